"""cellpipe: turn tagged Jupyter notebooks into pipelines.

The Python package ships the prebuilt JupyterLab extension and the bundled Node service
(``server/cellpipe.cjs``), and registers that service with jupyter-server-proxy.
"""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a checkout that was never built
    import warnings

    warnings.warn("Importing 'jupyterlab_cellpipe' outside a proper installation.", stacklevel=2)
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-cellpipe"}]
