"""Benchmark of the step runtime's data passing, and of a trivial step's start-up overhead.

Saves and loads a 1 GiB float64 numpy array and a ~1 GiB pandas DataFrame (8 float64 columns)
through the runtime's own save/load code (`_Step.save`, `_Step.load`), with each pandas format,
and compares with raw np.save / np.load of the same values (the frame's `to_numpy()`) and a
plain file copy of that .npy file, on the same disk. Run:

    .venv/bin/python src/core/compile/runtime/bench_data_passing.py

(CELLPIPE_BENCH_ISAL=0: the runtime's saves checksum with zlib, as in an image without python-isal.)

Shared machines are noisy, so every figure is the best of REPEAT runs (CELLPIPE_BENCH_REPEAT,
default 5), and the runs of the baselines and of the runtime are interleaved; a save's ratio is
also given median to median (this VM's disk makes single writes vary up to 5x). Each timed save
starts with no dirty pages (`sync` before, untimed) and writes a new file, as the runtime does;
with fsync on, the baselines fsync too. Each timed load runs in a fresh Python process, as a step
does (so no allocator cache of an earlier run helps), with numpy/pandas/pyarrow already imported
and the file read once beforehand (this VM pages out files idle for a minute): loads are from
the page cache, for the baseline and the runtime alike.
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
from runtime_sources import runtime_source

RUNTIME = runtime_source()
RUNTIME_FILE = "runtime.py"  # RUNTIME, written in the bench's folder for the loading processes
REPEAT = int(os.environ.get("CELLPIPE_BENCH_REPEAT", "5"))
GIB = 1 << 30
PANDAS_FORMATS = ("arrow", "pickle", "parquet")  # CELLPIPE_PANDAS_FORMAT values; arrow is the default


def runtime_namespace():
    """The runtime's functions, from the same source the step scripts embed."""
    namespace = {"__name__": "cellpipe_runtime_bench"}
    exec(compile(RUNTIME, "cellpipe_runtime.py", "exec"), namespace)
    return namespace


def timed(fn, before=None):
    if before:
        before()
    os.sync()  # no dirty pages left by the previous run to be written back during this one
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# Runs in a fresh interpreter: imports, warms the page cache with the file, then times one load.
LOAD_CHILD = r"""
import json, os, sys, time
import numpy as np, pandas as pd
try:
    import pyarrow, pyarrow.ipc, pyarrow.parquet
except ImportError:
    pass
kind, path, runtime_path, root, name = sys.argv[1:6]
namespace = {"__name__": "cellpipe_runtime_bench"}
exec(compile(open(runtime_path, encoding="utf-8").read(), "cellpipe_runtime.py", "exec"), namespace)
with open(path, "rb", buffering=0) as f:
    while f.read(8 << 20):
        pass
if kind == "raw":
    t0 = time.perf_counter()
    value = np.load(path)
else:
    step = namespace["_Step"]({"version": 1, "pipeline": "bench", "step": "l", "stepDir": "l", "plan": []},
                              namespace["_Events"]("l"))
    found = {}
    t0 = time.perf_counter()
    step.load({"kind": "load", "name": name, "fromStepDir": "s"}, found)
    value = found[name]
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds}))
"""


def fresh_load(kind, path, root, name=""):
    env = dict(os.environ, CELLPIPE_DATA_DIR=str(root), CELLPIPE_EVENTS=str(root / "load-events.jsonl"))
    out = subprocess.run(
        [sys.executable, "-c", LOAD_CHILD, kind, str(path), str(root / RUNTIME_FILE), str(root), name],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["seconds"]


def data_passing(root, nbytes):
    rt = runtime_namespace()
    fsync_file, remove = rt["_fsync_path"], rt["_remove"]  # the runtime's own small file helpers
    os.environ["CELLPIPE_DATA_DIR"] = str(root)
    os.environ["CELLPIPE_EVENTS"] = str(root / "events.jsonl")
    spec = {"version": 1, "pipeline": "bench", "step": "s", "stepDir": "s", "plan": [], "outputs": []}
    step = rt["_Step"](spec, rt["_Events"]("s"))
    step.prepare()
    folder = root / "s"
    array = np.random.default_rng(0).random(nbytes // 8)
    columns = 8
    frame = pd.DataFrame({"c%d" % i: np.random.default_rng(i).random(nbytes // 8 // columns) for i in range(columns)})
    mb = nbytes / 1e6
    values = [
        ("numpy 1-D float64", "a", array, array, [None]),
        ("pandas 8 float64 columns", "f", frame, frame.to_numpy(), list(PANDAS_FORMATS)),
    ]

    def runtime_save(name, value, pandas_format, fsync):
        if pandas_format:
            os.environ["CELLPIPE_PANDAS_FORMAT"] = pandas_format
        os.environ["CELLPIPE_FSYNC"] = "1" if fsync else "0"
        try:
            step.save(name, value)
        finally:
            os.environ.pop("CELLPIPE_PANDAS_FORMAT", None)

    def clear_output(name):
        for p in folder.glob(name + ".*"):
            p.unlink()

    results = []
    for label, key, value, values_array, formats in values:
        raw, copy = root / (key + "-raw.npy"), root / (key + "-copy.npy")

        def raw_save(fsync):
            with open(raw, "wb") as f:
                np.save(f, values_array)
            if fsync:
                fsync_file(raw)

        def file_copy(fsync):
            shutil.copyfile(raw, copy)
            if fsync:
                fsync_file(copy)

        names = {fmt: "%s_%s" % (key, fmt or "npy") for fmt in formats}
        cases = [
            ("np.save", lambda fsync: raw_save(fsync), lambda: remove(raw)),
            ("copy", lambda fsync: file_copy(fsync), lambda: remove(copy)),
        ]
        for fmt in formats:
            cases.append(
                (
                    fmt,
                    lambda fsync, fmt=fmt: runtime_save(names[fmt], value, fmt, fsync),
                    lambda fmt=fmt: clear_output(names[fmt]),
                )
            )
        saves, save_samples = {}, {}
        for _ in range(REPEAT):  # interleaved: one run of every case per round
            for fsync in (False, True):
                for case, run, before in cases:
                    if case == "copy" and not raw.exists():
                        raw_save(False)
                    seconds = timed(lambda: run(fsync), before)
                    saves[case, fsync] = min(saves.get((case, fsync), seconds), seconds)
                    save_samples.setdefault((case, fsync), []).append(seconds)
        serializers = {fmt: step.outputs[names[fmt]]["serializer"] for fmt in formats}
        remove(copy)
        loads = {}
        for _ in range(REPEAT):
            loads["np.load"] = min(loads.get("np.load", 1e9), fresh_load("raw", raw, root))
            for fmt in formats:
                seconds = fresh_load("runtime", folder / step.outputs[names[fmt]]["file"], root, names[fmt])
                loads[fmt] = min(loads.get(fmt, 1e9), seconds)
        medians = {key: statistics.median(samples) for key, samples in save_samples.items()}
        results.append((label, formats, serializers, saves, medians, loads))
        remove(raw)
        for fmt in formats:
            clear_output(names[fmt])

    print(
        "\nData passing, %.0f MB per value, best of %d interleaved runs. MB/s, and ratio = runtime / raw "
        "(targets for a pandas frame: save >= 0.9 of np.save, load >= 1.0 of np.load)." % (mb, REPEAT)
    )
    for label, formats, serializers, saves, medians, loads in results:
        print("\n  %s" % label)
        print(
            "    raw: np.save %5.0f, np.save+fsync %5.0f, file copy %5.0f, copy+fsync %5.0f, np.load %5.0f"
            % (
                mb / saves["np.save", False],
                mb / saves["np.save", True],
                mb / saves["copy", False],
                mb / saves["copy", True],
                mb / loads["np.load"],
            )
        )
        print(
            "    %-22s %-6s %10s %22s %18s %20s"
            % ("format (serializer)", "fsync", "save MB/s", "ratio to np.save", "ratio to copy", "median to median")
        )
        for fmt in formats:
            for fsync in (False, True):
                s = saves[fmt, fsync]
                print(
                    "    %-22s %-6s %10.0f %22.2f %18.2f %20.2f"
                    % (
                        "%s (%s)" % (fmt or "default", serializers[fmt]),
                        "on" if fsync else "off",
                        mb / s,
                        saves["np.save", fsync] / s,
                        saves["copy", fsync] / s,
                        medians["np.save", fsync] / medians[fmt, fsync],
                    )
                )
        print("    %-22s %-6s %10s %22s" % ("", "", "load MB/s", "ratio to np.load"))
        for fmt in formats:
            print(
                "    %-22s %-6s %10.0f %22.2f"
                % ("%s (%s)" % (fmt or "default", serializers[fmt]), "", mb / loads[fmt], loads["np.load"] / loads[fmt])
            )
    print("\n  (fsync on: the runtime's save is compared with np.save+fsync and copy+fsync; off: without fsync)")


def trivial_step_overhead(root, runs=20):
    spec = {
        "version": 1,
        "pipeline": "bench",
        "step": "t",
        "stepDir": "t",
        "outputs": ["x"],
        "metrics": [],
        "plan": [{"kind": "code", "source": "x = 1\n", "filename": "<cell 1>", "role": "cell"}],
    }
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
    print(
        "\nTrivial step (x = 1 saved as an output), median of %d runs: %.1f ms; `python -c pass`: %.1f ms; "
        "overhead %.1f ms (target < 60 ms)" % (runs, step * 1e3, bare * 1e3, (step - bare) * 1e3)
    )


def installed_version(distribution):
    from importlib.metadata import PackageNotFoundError, version

    if distribution in sys.modules and sys.modules[distribution] is None:
        return "blocked"
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "missing"


def main():
    if os.environ.get("CELLPIPE_BENCH_ISAL") == "0":
        # As in a pod's image, where the user installed no isal: the runtime checksums with zlib.
        sys.modules.update({"isal": None, "isal.isal_zlib": None})
    base = Path(os.environ.get("CELLPIPE_BENCH_DIR", tempfile.gettempdir()))
    root = Path(tempfile.mkdtemp(prefix="cellpipe-bench-", dir=base))
    try:
        free = shutil.disk_usage(root).free
        nbytes = GIB
        if free < 8 * GIB:
            nbytes = max(64 << 20, (free // 8) & ~((1 << 20) - 1))
            print("note: only %.1f GiB free under %s; values scaled down to %d MiB" % (free / GIB, base, nbytes >> 20))
        print(
            "python %s, numpy %s, pandas %s, pyarrow %s, isal %s (the crc32 of values of %d MiB or more; zlib's"
            " without it), %d CPUs, folder %s"
            % (
                sys.version.split()[0],
                np.__version__,
                pd.__version__,
                installed_version("pyarrow"),
                installed_version("isal"),
                runtime_namespace()["_FAST_CHECKSUM_FROM"] >> 20,
                os.cpu_count(),
                root,
            )
        )
        (root / RUNTIME_FILE).write_text(RUNTIME, encoding="utf-8")
        data_passing(root, nbytes)
        trivial_step_overhead(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
