"""Starts the cellpipe Node service behind Jupyter's authenticated server.

jupyter-server-proxy launches the service on first use, on a Unix socket in a private temporary
folder, and forwards ``{base_url}/cellpipe/...`` to it after Jupyter has authenticated the user.
Each launch gets a fresh secret: the proxy adds it to every forwarded request and the service
refuses requests without it, so nothing but Jupyter can talk to the service. The proxy does not
check XSRF; the service does that itself for mutating requests. The service runs on the Node.js
that bundle.node_executable() chooses (the Node.js wheel installed with the package, when there is no
other).
"""

from __future__ import annotations

import os
import secrets

from . import bundle

SECRET_ENV = "CELLPIPE_SECRET"
SECRET_HEADER = "X-Cellpipe-Secret"


def jupyter_root() -> str:
    """The folder Jupyter serves (``ServerApp.root_dir``), else the current folder.

    Read when the service starts, after Jupyter has parsed its configuration: notebook paths from
    the UI are relative to it, and the service refuses paths that leave it.
    """
    try:
        from jupyter_server.serverapp import ServerApp

        if ServerApp.initialized():
            root = ServerApp.instance().root_dir
            if root:
                return os.path.abspath(os.path.expanduser(root))
    except Exception:  # noqa: BLE001 - outside a Jupyter server: fall back to the current folder
        pass
    return os.getcwd()


def setup_cellpipe() -> dict:
    """The jupyter-server-proxy server definition (entry point ``jupyter_serverproxy_servers``)."""
    secret = secrets.token_urlsafe(32)

    def command() -> list[str]:
        return bundle.command(["serve", "--socket", "{unix_socket}", "--root", jupyter_root()])

    return {
        "command": command,
        "environment": {SECRET_ENV: secret},
        "unix_socket": True,
        "timeout": 30,
        "absolute_url": False,
        "request_headers_override": {SECRET_HEADER: secret},
        "launcher_entry": {"enabled": False},
        "new_browser_tab": False,
    }
