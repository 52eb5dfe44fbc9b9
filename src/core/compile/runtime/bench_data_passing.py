"""Benchmark of the step runtime's data passing, and of a trivial step's start-up overhead.

Saves and loads a 1 GiB float64 numpy array and a ~1 GiB pandas DataFrame (8 float64 columns)
through the runtime's own save/load code, and compares with raw np.save / np.load and a plain
file copy of the same bytes on the same disk. Each figure is the best of REPEAT runs (shared
machines are noisy). Run: .venv/bin/python src/core/compile/runtime/bench_data_passing.py
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

RUNTIME = Path(__file__).with_name("cellpipe_runtime.py").read_text(encoding="utf-8")
REPEAT = 3
GIB = 1 << 30


def best(fn, repeat=REPEAT):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def runtime_namespace():
    """The runtime's functions, from the same source the step scripts embed."""
    namespace = {"__name__": "cellpipe_runtime_bench"}
    exec(compile(RUNTIME, "cellpipe_runtime.py", "exec"), namespace)
    return namespace


def fsync_file(path):
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)


def data_passing(root, nbytes):
    rt = runtime_namespace()
    os.environ["CELLPIPE_DATA_DIR"] = str(root)
    os.environ["CELLPIPE_EVENTS"] = str(root / "events.jsonl")
    spec = {"version": 1, "pipeline": "bench", "step": "s", "stepDir": "s", "plan": [], "outputs": []}
    step = rt["_Step"](spec, rt["_Events"]("s"))
    step.prepare()
    array = np.random.default_rng(0).random(nbytes // 8)
    columns = 8
    frame = pd.DataFrame({"c%d" % i: np.random.default_rng(i).random(nbytes // 8 // columns) for i in range(columns)})
    mb = nbytes / 1e6
    rows = []

    def raw(label, value, path):
        def save():
            with open(path, "wb") as f:
                np.save(f, value)

        def save_fsync():
            save()
            fsync_file(path)

        def copy():
            shutil.copyfile(path, str(path) + ".copy")

        figures = {"save": best(save), "save+fsync": best(save_fsync), "copy": best(copy),
                   "load": best(lambda: np.load(path))}
        os.remove(str(path) + ".copy")
        os.remove(path)
        return figures

    def through_runtime(name, value, fsync):
        os.environ["CELLPIPE_FSYNC"] = "1" if fsync else "0"
        save = best(lambda: step.save(name, value))
        serializer = step.outputs[name]["serializer"]
        namespace = {}
        load = best(lambda: step.load({"kind": "load", "name": name, "fromStepDir": "s"}, namespace))
        return save, load, serializer

    for label, value, values in (("numpy 1-D float64", array, array),
                                 ("pandas 8 float64 columns", frame, frame.to_numpy())):
        r = raw(label, values, root / "raw.npy")
        for fsync in (True, False):
            save, load, serializer = through_runtime("v", value, fsync)
            rows.append((label, serializer, fsync, save, load, r))
        if isinstance(value, pd.DataFrame):   # the pickle path (CELLPIPE_PANDAS_FORMAT=pickle)
            os.environ["CELLPIPE_PANDAS_FORMAT"] = "pickle"
            for fsync in (True, False):
                save, load, serializer = through_runtime("v", value, fsync)
                rows.append((label, serializer, fsync, save, load, r))
            os.environ.pop("CELLPIPE_PANDAS_FORMAT")
        for p in root.joinpath("s").iterdir():
            if p.name.startswith("v."):
                p.unlink()

    print("\nData passing, %.0f MB per value (MB/s; ratio = runtime / raw, target >= 0.70)" % mb)
    for label, serializer, fsync, save, load, r in rows:
        print("  %-26s %-8s fsync=%-3s save %6.0f MB/s  (raw np.save %6.0f: %.2f, np.save+fsync %6.0f: %.2f, "
              "copy %6.0f: %.2f)" % (label, serializer, "on" if fsync else "off", mb / save,
                                     mb / r["save"], r["save"] / save, mb / r["save+fsync"],
                                     r["save+fsync"] / save, mb / r["copy"], r["copy"] / save))
        print("  %-26s %-8s %-9s load %6.0f MB/s  (raw np.load %6.0f: %.2f)"
              % ("", "", "", mb / load, mb / r["load"], r["load"] / load))


def trivial_step_overhead(root, runs=20):
    spec = {"version": 1, "pipeline": "bench", "step": "t", "stepDir": "t", "outputs": ["x"], "metrics": [],
            "plan": [{"kind": "code", "source": "x = 1\n", "filename": "<cell 1>", "role": "cell"}]}
    script = root / "trivial.py"
    script.write_text(RUNTIME + "\nmain(" + json.dumps(json.dumps(spec)) + ")\n", encoding="utf-8")
    env = dict(os.environ, CELLPIPE_DATA_DIR=str(root / "trivial-data"), CELLPIPE_EVENTS=str(root / "t.jsonl"))
    env.pop("CELLPIPE_FSYNC", None)

    def median(args):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(args, env=env, check=True)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    bare = median([sys.executable, "-c", "pass"])
    step = median([sys.executable, str(script)])
    print("\nTrivial step (x = 1 saved as an output), median of %d runs: %.1f ms; `python -c pass`: %.1f ms; "
          "overhead %.1f ms (target < 60 ms)" % (runs, step * 1e3, bare * 1e3, (step - bare) * 1e3))


def main():
    base = Path(os.environ.get("CELLPIPE_BENCH_DIR", tempfile.gettempdir()))
    root = Path(tempfile.mkdtemp(prefix="cellpipe-bench-", dir=base))
    try:
        free = shutil.disk_usage(root).free
        nbytes = GIB
        if free < 8 * GIB:
            nbytes = max(64 << 20, (free // 8) & ~((1 << 20) - 1))
            print("note: only %.1f GiB free under %s; values scaled down to %d MiB" % (free / GIB, base, nbytes >> 20))
        print("python %s, numpy %s, pandas %s, %d CPUs, folder %s"
              % (sys.version.split()[0], np.__version__, pd.__version__, os.cpu_count(), root))
        data_passing(root, nbytes)
        trivial_step_overhead(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
