"""JupyterLab server configuration for the Galata tests (token and XSRF off, a temporary root)."""

import os
import tempfile

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

# The test machines run as root.
c.ServerApp.allow_root = True  # noqa: F821

# A run store of this server's own: the default one is the user's (~/.local/state/cellpipe), where
# an earlier test run's steps would be reused from the cache and show as "cached", not "running".
# The cellpipe service inherits this process's environment.
os.environ["CELLPIPE_HOME"] = tempfile.mkdtemp(prefix="cellpipe-galata-runs-")
