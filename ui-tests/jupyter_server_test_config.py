"""JupyterLab server configuration for the Galata tests (token and XSRF off, a temporary root)."""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

# The test machines run as root.
c.ServerApp.allow_root = True  # noqa: F821
