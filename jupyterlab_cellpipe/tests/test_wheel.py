"""The built wheel alone gives a working prebuilt extension: no Node needed for the frontend."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
        timeout=600,
    )
    (found,) = out.glob("jupyterlab_cellpipe-*.whl")
    return found


def test_wheel_ships_the_labextension_and_the_bundled_service(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    data = "jupyterlab_cellpipe-0.1.0.data/data/share/jupyter/labextensions/jupyterlab-cellpipe/"
    assert data + "package.json" in names
    assert data + "install.json" in names
    assert data + "schemas/jupyterlab-cellpipe/plugin.json" in names
    assert any(n.startswith(data + "static/remoteEntry.") for n in names)
    # The `cellpipe` dispatcher and the bundles it loads (server/src/cli/entry/bundles.ts).
    for bundle in ("cellpipe.cjs", "cellpipe-analyze.cjs", "cellpipe-compile.cjs", "cellpipe-full.cjs"):
        assert "jupyterlab_cellpipe/server/" + bundle in names
    assert "jupyterlab_cellpipe/server_proxy.py" in names
    assert not any("/tests/" in n for n in names)


def test_fresh_venv_lists_cellpipe_enabled_without_node(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel), "jupyterlab>=4.6,<5"],
        check=True,
        timeout=900,
    )
    # PATH holds the fresh venv only: no Node.
    env = {"PATH": str(env_dir / "bin"), "HOME": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    assert not any((Path(d) / "node").exists() for d in env["PATH"].split(":"))
    result = subprocess.run(
        [str(env_dir / "bin" / "jupyter"), "labextension", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    listing = result.stdout + result.stderr
    line = next((row for row in listing.splitlines() if "jupyterlab-cellpipe" in row), "")
    assert "enabled" in line and "OK" in line, listing
    assert "(python, jupyterlab-cellpipe)" in line
