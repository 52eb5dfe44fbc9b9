"""Fixtures that start real processes: the bundled Node service and a real Jupyter server."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from jupyterlab_cellpipe import server_proxy

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
    script = server_proxy.service_script()
    if not script.exists():
        pytest.fail(f"{script} is missing: run `jlpm build:server` (the set-up scripts do)")
    return script


@pytest.fixture()
def jupyter_server(built_service, tmp_path):
    """A real `jupyter server` with a token, the cellpipe proxy entry point loaded from the install."""
    port = free_port()
    token = "pytest-token-" + os.urandom(8).hex()
    root = tmp_path / "root"
    root.mkdir()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.open_browser=False",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.allow_root=True",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
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
        yield {"port": port, "token": token, "log": tmp_path / "server.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
