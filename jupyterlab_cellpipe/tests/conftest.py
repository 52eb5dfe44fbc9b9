"""Fixtures that start real processes: the bundled Node service, a real Jupyter server, the wheel in a fresh venv."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import venv
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyterlab_cellpipe import bundle, server_proxy

REPO = Path(__file__).resolve().parents[2]


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a Unix socket, to talk to the service without the proxy."""

    def __init__(self, path: str):
        super().__init__("localhost", timeout=10)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.unix_path)


def http_call(conn: http.client.HTTPConnection, method: str, path: str, headers=None, body=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    try:
        payload = json.loads(text) if text else None
    except json.JSONDecodeError:
        payload = text
    return response.status, payload


def mutating_headers(token: str) -> dict[str, str]:
    """Headers of a POST a JupyterLab page makes through the proxy: Jupyter's token, and the XSRF
    double submit (the same value as header and cookie) the service checks."""
    return {
        "Authorization": f"token {token}",
        "Content-Type": "application/json",
        "X-XSRFToken": "same-token",
        "Cookie": "_xsrf=same-token",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


@pytest.fixture(scope="session")
def built_service() -> Path:
    script = Path(bundle.script())
    if not script.exists():
        pytest.fail(f"{script} is missing: run `jlpm build:server` (the set-up scripts do)")
    return script


@contextmanager
def running_jupyter(command: list[str], env: dict, folder: Path, root: Path):
    """A real Jupyter server (`command`: `jupyter server` or `jupyter lab`, from any environment) with a token.

    Yields its port, token and log file once `/api/status` answers; stops it after.
    """
    port = free_port()
    token = "pytest-token-" + os.urandom(8).hex()
    log = open(folder / "server.log", "w")
    proc = subprocess.Popen(
        [
            *command,
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.open_browser=False",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.allow_root=True",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(env, JUPYTER_CONFIG_DIR=str(folder / "config"), JUPYTER_RUNTIME_DIR=str(folder / "runtime")),
    )

    def up() -> bool:
        try:
            status, _ = http_call(
                http.client.HTTPConnection("127.0.0.1", port, timeout=2), "GET", f"/api/status?token={token}"
            )
            return status == 200
        except OSError:
            return False

    try:
        wait_for(up, 60, "jupyter server")
        yield {"port": port, "token": token, "log": folder / "server.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture()
def jupyter_server(built_service, tmp_path):
    """A real `jupyter server` with a token, the cellpipe proxy entry point loaded from the install."""
    root = tmp_path / "root"
    root.mkdir()
    with running_jupyter([sys.executable, "-m", "jupyter_server"], dict(os.environ), tmp_path, root) as server:
        yield server


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel, built once per session as a release builds them: `python -m build`
    (an isolated build environment from pyproject's build-system, the wheel built from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "-o", str(out), str(REPO)], capture_output=True, text=True, timeout=600
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (sdist,) = out.glob("jupyterlab_cellpipe-*.tar.gz")
    (wheel,) = out.glob("jupyterlab_cellpipe-*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="session")
def wheel(release) -> Path:
    return release["wheel"]


@dataclass
class FreshVenv:
    """A new virtual environment holding the wheel and JupyterLab, installed by pip from the index."""

    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    def env(self, home: Path) -> dict:
        """A user's environment with this venv's bin as the whole PATH: no `node` anywhere on it."""
        return {"PATH": str(self.bin), "HOME": str(home), "LANG": "C.UTF-8"}


@pytest.fixture(scope="session")
def fresh_venv(wheel, tmp_path_factory) -> FreshVenv:
    """`pip install jupyterlab-cellpipe jupyterlab` into a new venv, once per session (the tests share it)."""
    created = FreshVenv(tmp_path_factory.mktemp("fresh") / "venv")
    venv.EnvBuilder(with_pip=True).create(created.root)
    subprocess.run(
        [str(created.bin / "python"), "-m", "pip", "install", "-q", str(wheel), "jupyterlab>=4.6,<5"],
        check=True,
        timeout=900,
    )
    assert not any((Path(d) / "node").exists() for d in created.env(created.root)["PATH"].split(os.pathsep))
    return created


@pytest.fixture()
def service_on_socket(built_service):
    """The service started exactly as jupyter-server-proxy starts it, on a socket of our own."""
    config = server_proxy.setup_cellpipe()
    folder = tempfile.mkdtemp(prefix="cellpipe-test-")
    sock = os.path.join(folder, "svc.sock")
    command = [part.replace("{unix_socket}", sock) for part in config["command"]()]
    proc = subprocess.Popen(command, env=dict(os.environ, **config["environment"]), stderr=subprocess.PIPE)
    try:
        wait_for(lambda: os.path.exists(sock), 30, "the service socket")
        yield {"socket": sock, "secret": config["environment"][server_proxy.SECRET_ENV], "config": config}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
