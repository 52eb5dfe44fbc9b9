"""The service is reachable only through Jupyter's authenticated server, with its secret and XSRF checks."""

from __future__ import annotations

import http.client
import json
import subprocess

from jupyterlab_cellpipe import bundle, server_proxy

from .conftest import UnixHTTPConnection, http_call, mutating_headers


def test_proxy_definition_uses_a_private_socket_and_a_fresh_secret():
    first, second = server_proxy.setup_cellpipe(), server_proxy.setup_cellpipe()
    assert first["unix_socket"] is True
    assert first["launcher_entry"] == {"enabled": False}
    secret = first["environment"][server_proxy.SECRET_ENV]
    assert len(secret) >= 32
    assert first["request_headers_override"] == {server_proxy.SECRET_HEADER: secret}
    assert second["environment"][server_proxy.SECRET_ENV] != secret
    command = first["command"]()
    assert command[0] == bundle.node_executable()
    assert command[1:] == [
        bundle.script(),
        "serve",
        "--socket",
        "{unix_socket}",
        "--root",
        server_proxy.jupyter_root(),
    ]


def test_root_is_the_current_folder_outside_a_jupyter_server(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert server_proxy.jupyter_root() == str(tmp_path)


def test_service_refuses_requests_without_the_secret(service_on_socket):
    sock, secret = service_on_socket["socket"], service_on_socket["secret"]
    status, body = http_call(UnixHTTPConnection(sock), "GET", "/api/health")
    assert status == 401 and "secret" in body["error"]
    status, body = http_call(UnixHTTPConnection(sock), "GET", "/api/health", {"X-Cellpipe-Secret": secret[:-1] + "x"})
    assert status == 401
    status, body = http_call(UnixHTTPConnection(sock), "GET", "/api/health", {"X-Cellpipe-Secret": secret})
    assert status == 200 and body["status"] == "ok"


def test_service_refuses_to_start_without_a_secret(built_service):
    result = subprocess.run(
        [bundle.node_executable(), str(built_service), "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "CELLPIPE_SECRET is not set" in result.stderr


def test_health_through_jupyter_requires_jupyter_auth(jupyter_server):
    port, token = jupyter_server["port"], jupyter_server["token"]
    conn = lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # noqa: E731
    status, body = http_call(conn(), "GET", "/cellpipe/api/health", {"Authorization": f"token {token}"})
    assert status == 200, jupyter_server["log"].read_text()
    assert body["status"] == "ok"
    # Without Jupyter's token the proxy never forwards the request.
    status, _ = http_call(conn(), "GET", "/cellpipe/api/health")
    assert status in (302, 401, 403)


def test_mutating_request_through_jupyter_needs_matching_xsrf(jupyter_server):
    port, token = jupyter_server["port"], jupyter_server["token"]
    conn = lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # noqa: E731
    auth = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    status, body = http_call(conn(), "POST", "/cellpipe/api/anything", auth, body="{}")
    assert status == 403 and "_xsrf" in body["error"]
    bad = dict(auth, **{"X-XSRFToken": "aaaa", "Cookie": "_xsrf=bbbb"})
    status, body = http_call(conn(), "POST", "/cellpipe/api/anything", bad, body="{}")
    assert status == 403
    good = dict(auth, **{"X-XSRFToken": "same-token", "Cookie": "_xsrf=same-token"})
    status, body = http_call(conn(), "POST", "/cellpipe/api/anything", good, body="{}")
    # Past both checks the service answers for itself: no such route yet.
    assert status == 404 and "not found" in str(body).lower()


def test_service_resolves_notebooks_under_the_jupyter_root(jupyter_server):
    """The proxy starts the service with Jupyter's root_dir: paths are relative to it and stay inside."""
    port, token = jupyter_server["port"], jupyter_server["token"]
    root = jupyter_server["log"].parent / "root"
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "id": "a",
                "metadata": {"tags": ["step:load"]},
                "source": "x = 1",
                "outputs": [],
                "execution_count": None,
            }
        ],
    }
    (root / "sub").mkdir()
    (root / "sub" / "nb.ipynb").write_text(json.dumps(notebook))
    conn = lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # noqa: E731
    headers = mutating_headers(token)
    status, body = http_call(
        conn(), "POST", "/cellpipe/api/compile", headers, body=json.dumps({"path": "sub/nb.ipynb"})
    )
    assert status == 200, body
    assert [f["name"] for f in body["files"]] == ["load.py", "_cellpipe/cellpipe_runtime.py", "pipeline.json"]
    status, body = http_call(conn(), "POST", "/cellpipe/api/compile", headers, body=json.dumps({"path": "../nb.ipynb"}))
    assert status == 403 and "outside" in body["error"]
