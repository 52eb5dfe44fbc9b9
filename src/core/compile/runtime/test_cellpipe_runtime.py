"""Tests of the step runtime, run the way steps really run: a script made of the runtime's
source and a `main(SPEC)` call, executed by a separate Python process with the environment a
backend sets. Assertions are on exit codes, files, manifests, events, stdout and stderr."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import pytest
from runtime_sources import runtime_source

# The runtime as these tests run it (the scripts call main(SPEC) directly).
RUNTIME = runtime_source()
# Prepended to a script to make modules unimportable in that step, as if not installed.
BLOCK = "import sys\nsys.modules.update(dict.fromkeys({names!r}))\n"


EXTRA_PATH = os.environ.get("CELLPIPE_TEST_PYTHONPATH", "")  # e.g. a `pip install --target` of dill


def has_module(name):
    env = dict(os.environ, PYTHONPATH=EXTRA_PATH) if EXTRA_PATH else None
    return subprocess.run([sys.executable, "-c", "import " + name], capture_output=True, env=env).returncode == 0


HAS_CLOUDPICKLE = has_module("cloudpickle")


def code(source, filename, role="cell"):
    return {"kind": "code", "source": textwrap.dedent(source), "filename": filename, "role": role}


def load(name, step_dir, step=None):
    entry = {"kind": "load", "name": name, "fromStepDir": step_dir}
    if step:
        entry["fromStep"] = step
    return entry


def make_spec(step, plan, outputs=(), metrics=(), parameters=None, step_dir=None, magics="error"):
    return {
        "version": 1,
        "pipeline": "tiny-training",
        "step": step,
        "stepDir": step if step_dir is None else step_dir,
        "plan": plan,
        "parameters": parameters or {},
        "outputs": list(outputs),
        "metrics": list(metrics),
        "magics": magics,
    }


class Result:
    def __init__(self, proc, events_path, folder):
        self.rc, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.folder = folder
        self.events = (
            [json.loads(line) for line in events_path.read_text(encoding="utf-8").splitlines()]
            if events_path.exists()
            else []
        )

    def event(self, name):
        found = [e for e in self.events if e["event"] == name]
        assert found, "no %r event in %r" % (name, self.events)
        return found[-1]

    def manifest(self, name):
        return json.loads((self.folder / (name + ".json")).read_text(encoding="utf-8"))

    @property
    def step_json(self):
        return json.loads((self.folder / ".step.json").read_text(encoding="utf-8"))


class Runner:
    """Writes and runs step scripts of one pipeline run (one data folder)."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.data = tmp_path / "data"
        self.count = 0

    def script(self, spec, block=(), literal=False):
        prefix = BLOCK.format(names=list(block)) if block else ""
        # The compiler passes the spec as the JSON text in a Python string literal (a JSON string
        # is one); a dict literal works too.
        call = repr(spec) if literal else json.dumps(json.dumps(spec, ensure_ascii=False), ensure_ascii=False)
        self.count += 1
        path = self.tmp / "scripts" / ("step%d.py" % self.count)
        path.parent.mkdir(exist_ok=True)
        path.write_text(prefix + RUNTIME + "\nmain(" + call + ")\n", encoding="utf-8")
        return path

    def env(self, extra):
        env = dict(
            os.environ,
            CELLPIPE_DATA_DIR=str(self.data),
            CELLPIPE_EVENTS=str(self.tmp / ("events%d.jsonl" % self.count)),
        )
        for name in ("CELLPIPE_PARAMETERS", "CELLPIPE_PARAMETERS_FILE", "CELLPIPE_FSYNC", "CELLPIPE_PANDAS_FORMAT"):
            env.pop(name, None)
        if EXTRA_PATH:
            env["PYTHONPATH"] = EXTRA_PATH
        env.update(extra or {})
        return {k: v for k, v in env.items() if v is not None}

    def run(self, spec, env=None, block=(), literal=False, cwd=None):
        script = self.script(spec, block, literal)
        env = self.env(env)
        proc = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, cwd=cwd or self.tmp, timeout=120
        )
        return Result(
            proc,
            Path(env["CELLPIPE_EVENTS"]) if env.get("CELLPIPE_EVENTS") else Path("/nonexistent"),
            self.data / str(spec["stepDir"]),
        )

    def ok(self, spec, **kw):
        result = self.run(spec, **kw)
        assert result.rc == 0, result.stderr + json.dumps(result.events, indent=1)
        return result

    def round_trip(self, make, use, outputs, **kw):
        """Step `a` runs `make` and saves outputs; step `b` loads them and runs `use`."""
        prelude = kw.pop("prelude", "")
        plan_a = ([code(prelude, "<cell 1: imports>", "prelude")] if prelude else []) + [code(make, "<cell 2: step a>")]
        saved = self.ok(make_spec("a", plan_a, outputs=outputs), **kw)
        plan_b = (
            ([code(prelude, "<cell 1: imports>", "prelude")] if prelude else [])
            + [load(n, "a", "a") for n in outputs]
            + [code(use, "<cell 3: step b>")]
        )
        return saved, self.ok(make_spec("b", plan_b), **kw)


@pytest.fixture
def runner(tmp_path):
    return Runner(tmp_path)


# --------------------------------------------------------------------------------------------
# Round trips


def test_builtin_values_round_trip(runner):
    saved, used = runner.round_trip(
        """
        n = 42
        s = "héllo ✓"
        d = {"a": [1, 2.5, None], "b": (True, b"\\x00")}
        l = [1, "two", {3}]
        st = {1, 2, 3}
        """,
        "print(repr(n), repr(s), repr(d), repr(l), sorted(st), type(st).__name__)",
        ["n", "s", "d", "l", "st"],
    )
    assert used.stdout == "42 'héllo ✓' {'a': [1, 2.5, None], 'b': (True, b'\\x00')} [1, 'two', {3}] [1, 2, 3] set\n"
    manifest = saved.manifest("d")
    assert manifest["serializer"] in ("pickle", "cloudpickle")
    assert manifest["file"] == "d.pkl" and manifest["type"] == "dict"
    assert manifest["size"] == (saved.folder / "d.pkl").stat().st_size
    assert manifest["crc32"] == zlib.crc32((saved.folder / "d.pkl").read_bytes()) and manifest["python"].count(".") == 2
    assert saved.step_json["outputs"]["n"]["file"] == "n.pkl"


@pytest.mark.parametrize("cloudpickle", [True, False], ids=["cloudpickle", "plain-pickle"])
def test_custom_class_instance_round_trip(runner, cloudpickle):
    if cloudpickle and not HAS_CLOUDPICKLE:
        pytest.skip("cloudpickle is not installed")
    block = () if cloudpickle else ("cloudpickle", "dill")
    prelude = """
        class Point:
            def __init__(self, x, y):
                self.x, self.y = x, y
            def norm2(self):
                return self.x ** 2 + self.y ** 2
        """
    saved, used = runner.round_trip(
        "p = Point(3, 4)\npts = [Point(1, 1), p]\n",
        "print(p.norm2(), isinstance(p, Point), isinstance(pts[0], Point), type(p).__module__)",
        ["p", "pts"],
        prelude=prelude,
        block=block,
    )
    assert used.stdout == "25 True True __main__\n"
    assert saved.manifest("p")["type"] == "__main__.Point"
    assert saved.manifest("p")["serializer"] == "pickle"  # by reference: isinstance holds


@pytest.mark.parametrize("cloudpickle", [True, False], ids=["cloudpickle", "plain-pickle"])
def test_notebook_function_reaches_a_step_that_does_not_declare_it(runner, cloudpickle):
    if cloudpickle and not HAS_CLOUDPICKLE:
        pytest.skip("cloudpickle is not installed")
    block = () if cloudpickle else ("cloudpickle", "dill")
    runner.ok(
        make_spec("a", [code("def double(v):\n    return 2 * v\nops = {'d': double}", "<c>")], outputs=["ops"]),
        block=block,
    )
    result = runner.run(make_spec("b", [load("ops", "a", "make ops"), code("print(ops['d'](4))", "<c>")]), block=block)
    if cloudpickle:  # saved by value
        assert (result.rc, result.stdout) == (0, "8\n")
    else:  # saved by reference: the load says what is missing and where to declare it
        assert result.rc == 3
        message = result.event("failed")["message"]
        assert "'ops'" in message and "double" in message and "`functions`" in message


def test_numpy_arrays_round_trip(runner):
    saved, used = runner.round_trip(
        """
        import numpy as np
        a = np.arange(12, dtype=np.float64).reshape(3, 4)
        f = np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))
        v = np.arange(10)[::3]
        o = np.array([1, "x", None, [2]], dtype=object)
        """,
        """
        import numpy as np
        print(a.dtype, a.shape, a.sum(), f.dtype, f.tolist(), v.tolist(), o.dtype, o.tolist())
        """,
        ["a", "f", "v", "o"],
    )
    assert used.stdout == "float64 (3, 4) 66.0 int32 [[0, 1, 2], [3, 4, 5]] [0, 3, 6, 9] object [1, 'x', None, [2]]\n"
    assert saved.manifest("a")["serializer"] == "npy" and saved.manifest("a")["file"] == "a.npy"
    assert saved.manifest("a")["shape"] == [3, 4]
    assert saved.manifest("o")["serializer"] in ("pickle", "cloudpickle")


PANDAS_VALUES = """
    import numpy as np, pandas as pd
    df = pd.DataFrame({
        "x": np.arange(5, dtype=np.float64), "i": np.arange(5, dtype=np.int32),
        "s": list("abcde"), "b": [True, False, True, True, False],
        "t": pd.date_range("2024-01-01", periods=5, tz="UTC"),
        "c": pd.Categorical(list("xyxyx")), "n": pd.array([1, None, 3, 4, 5], dtype="Int64"),
    }, index=pd.Index(list("vwxyz"), name="key"))
    ser = pd.Series([1.5, 2.5], name="price")
    mixed = pd.DataFrame({"m": [1, "two", None]})
    odd = pd.Series([1, 2], name=("a", 1))
    intcols = pd.DataFrame({0: [1.0], 1: [2.0]})
"""
PANDAS_USE = """
    import pandas as pd
    for v in (df, ser, mixed, odd, intcols):
        print(type(v).__name__, repr(v.name) if isinstance(v, pd.Series) else list(v.columns))
        print(v.dtypes.to_dict() if isinstance(v, pd.DataFrame) else v.dtype)
        print(v.to_dict())
    print(df.index.name, df.index.tolist())
"""


@pytest.mark.parametrize("pandas_format", ["default", "arrow", "parquet", "pickle"])
def test_pandas_round_trip(runner, tmp_path, pandas_format):
    env = {"CELLPIPE_PANDAS_FORMAT": None if pandas_format == "default" else pandas_format}
    saved, used = runner.round_trip(PANDAS_VALUES, PANDAS_USE, ["df", "ser", "mixed", "odd", "intcols"], env=env)
    # What the same cells print in one process, without passing anything through files.
    expected = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PANDAS_VALUES) + textwrap.dedent(PANDAS_USE)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert used.stdout == expected
    serializers = {name: saved.manifest(name)["serializer"] for name in ("df", "ser", "mixed", "odd", "intcols")}
    if pandas_format in ("default", "arrow", "parquet"):
        arrow = "parquet" if pandas_format == "parquet" else "arrow"
        assert serializers["df"] == serializers["ser"] == arrow
        assert saved.manifest("df")["file"] == "df." + arrow
        assert saved.manifest("ser")["seriesName"] == "price"
        # Mixed object columns, tuple names and non-string column labels would not come back equal.
        fallback = {"pickle", "cloudpickle"} if arrow == "parquet" else {"pickle5"}
        assert {serializers[n] for n in ("mixed", "odd", "intcols")} <= fallback
    else:
        # Protocol 5 with the frames' memory written raw after the pickle stream.
        assert set(serializers.values()) == {"pickle5"}
        assert saved.manifest("df")["buffers"] and saved.manifest("df")["file"] == "df.pkl5"
    # Checksummed while written: the manifest's crc32 is the file's, whichever writer made it.
    for name in serializers:
        manifest = saved.manifest(name)
        assert manifest["crc32"] == zlib.crc32((saved.folder / manifest["file"]).read_bytes()), name


def runtime_namespace():
    namespace = {"__name__": "cellpipe_runtime_test"}
    exec(compile(RUNTIME, "cellpipe_runtime.py", "exec"), namespace)
    return namespace


def test_npy_files_are_what_np_save_writes(tmp_path):
    """The runtime writes an array's memory itself (np.save would copy it in chunks into a file
    object that checksums): the file must be byte for byte np.save's, in every layout and header."""
    import io

    np = pytest.importorskip("numpy")
    rt = runtime_namespace()
    many_fields = np.dtype([("f%d" % i, np.int8) for i in range(6000)])  # a header over 64 KiB: format 2.0
    arrays = {
        "c-order": np.arange(24.0).reshape(2, 3, 4),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.int16).reshape(3, 4)),
        "strided": np.arange(20)[::3],
        "zero-d": np.array(3.5),
        "empty": np.zeros((0, 4)),
        "big-endian": np.arange(5, dtype=">u4"),
        "datetimes": np.arange("2024-01-01", "2024-01-06", dtype="datetime64[D]"),
        "structured": np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]),
        "header-2.0": np.zeros(2, dtype=many_fields),
        "header-3.0": np.zeros(2, dtype=[("é✓", "<i4")]),  # a field name beyond latin-1: np.save's own
    }
    for label, array in arrays.items():
        path = tmp_path / (label + ".npy")
        path.touch()
        target = rt["_ValueFile"](str(path))
        rt["_write_npy"](target, array)
        expected = io.BytesIO()
        np.save(expected, array, allow_pickle=False)
        data = path.read_bytes()
        assert data == expected.getvalue(), label
        assert target.checksum(len(data)) == zlib.crc32(data), label


# Run in a fresh interpreter with LIBRARIES imported, as a spare forked from the step launcher
# (step_launcher.py, _Spare) runs it: prints what _rehearse changed that a step could see.
REHEARSAL_PROBE = """
import contextlib, io, json, os, random, sys, warnings
import gc, importlib.util, linecache, pickle, re, threading, time, zlib  # as the launcher has them
for name in LIBRARIES:
    __import__(name)
namespace = {"__name__": "cellpipe_runtime"}
with open(sys.argv[1], encoding="utf-8") as source:
    exec(compile(source.read(), "cellpipe_runtime.py", "exec"), namespace)

def seen():
    numpy = sys.modules.get("numpy")
    state = {
        "environ": dict(os.environ),
        "files": sorted(os.listdir(".")),
        "random": repr(random.getstate()),
        "numpy random": repr(numpy.random.get_state()) if numpy else None,
        "warning filters": repr(warnings.filters),
        "main": sorted(vars(sys.modules["__main__"])),
    }
    # Libraries, not their submodules: a library may load its own on first use, as in any step.
    state["libraries"] = sorted(set(name.partition(".")[0] for name in sys.modules))
    return state

def rehearse():
    before = seen()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        namespace["_rehearse"]()
    after = seen()
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    print(json.dumps({"changed": changed, "printed": printed.getvalue()}))

rehearse()
"""


@pytest.mark.parametrize(
    "libraries",
    [[], ["numpy"], ["numpy", "pandas", "pyarrow", "pyarrow.ipc", "pyarrow.pandas_compat"]],
    ids=["standard library", "numpy", "pandas with pyarrow, as the launcher preloads them"],
)
def test_rehearsal_leaves_nothing_a_step_could_see(tmp_path, libraries):
    """_rehearse runs in a spare before it becomes a step: it must not import, print, write, warn,
    draw random numbers or change the environment or __main__."""
    for name in libraries:
        pytest.importorskip(name)
    runtime = tmp_path / "cellpipe_runtime.py"
    runtime.write_text(RUNTIME, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    probe = "LIBRARIES = %r\n" % (libraries,) + REHEARSAL_PROBE
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", probe, str(runtime)], cwd=work, capture_output=True, text=True, check=True
    )
    assert done.stderr == ""
    assert json.loads(done.stdout) == {"changed": {}, "printed": ""}


def test_checksumming_writer_pipelines_large_writes(tmp_path):
    """Writes of two pieces or more are checksummed by a second thread while being written: the
    checksum and the bytes must be the same as one pass would give, across piece edges, and a
    writer that used the path instead (torch) leaves the checksum unknown."""
    rt = runtime_namespace()
    rt["_ChecksummingWriter"]._PIECE = 7
    rt["_ChecksummingWriter"]._PIPELINED_FROM = 14
    path = tmp_path / "v.bin"
    path.write_bytes(b"left by a writer that failed half-way")
    target = rt["_ValueFile"](str(path))
    chunks = [bytes(range(256)) * 3, b"x", memoryview(bytearray(b"0123456789" * 5)), b""]
    with target.open(buffering=16) as f:
        for chunk in chunks:
            f.write(chunk)
    data = b"".join(bytes(c) for c in chunks)
    assert path.read_bytes() == data
    assert target.checksum(len(data)) == zlib.crc32(data)
    assert target.checksum(len(data) + 1) is None  # the file is not what was written through it
    assert target.path == str(path) and target.checksum(len(data)) is None


@pytest.mark.parametrize("isal", [True, False], ids=["isal installed", "zlib only, as in a pod's image"])
def test_large_values_get_the_same_crc32_with_or_without_isal(tmp_path, monkeypatch, isal):
    """A large value is checksummed by isal's crc32 when the step's Python has it, by zlib's
    otherwise; the manifest's crc32 must be the same number either way (the server and older
    manifests use zlib's), through the pipelined writer and the pass over a file alike."""
    if isal:
        expected_function = pytest.importorskip("isal.isal_zlib").crc32
    else:
        for name in ("isal", "isal.isal_zlib"):
            monkeypatch.setitem(sys.modules, name, None)  # as if not installed
        expected_function = zlib.crc32
    rt = runtime_namespace()
    rt["_FAST_CHECKSUM_FROM"] = 64
    rt["_ChecksummingWriter"]._PIECE = 32
    rt["_ChecksummingWriter"]._PIPELINED_FROM = 64  # writes of 64 bytes or more go through the second thread
    assert rt["_crc32_function"](64) is expected_function
    assert rt["_crc32_function"](63) is zlib.crc32  # small values never import isal
    # Looked up once, found or not: a failed import would search sys.path again at every write.
    assert rt["_isal_crc32"] is (expected_function if isal else False)
    data = os.urandom(1000) + bytes(1000)
    path = tmp_path / "v.bin"
    path.touch()
    target = rt["_ValueFile"](str(path))
    with target.open() as f:
        f.write(data[:10])  # checksummed inline
        f.write(memoryview(data)[10:])  # in pieces, by the checksumming thread
    assert path.read_bytes() == data
    assert target.checksum(len(data)) == zlib.crc32(data)
    assert rt["_crc32"](str(path)) == zlib.crc32(data)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fallocate is Linux's")
def test_large_writes_allocate_their_blocks_ahead_and_keep_the_size(tmp_path):
    """A pipelined write first asks for its range's blocks (fallocate, FALLOC_FL_KEEP_SIZE): the
    file holds them before the bytes arrive, and its size stays what was written, so a reader of
    the finished file sees no zeros beyond the value."""
    rt = runtime_namespace()
    path = tmp_path / "v.bin"
    path.write_bytes(b"head")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        rt["_allocate_ahead"](fd, 4, 8 << 20)
        st = os.fstat(fd)
        assert st.st_size == 4 and st.st_blocks * 512 >= 8 << 20
        os.write(fd, b"tail")
    finally:
        os.close(fd)
    assert path.read_bytes() == b"headtail"
    # Where the file system has no fallocate (it returns -1, EOPNOTSUPP) the write goes on as before.
    calls = []
    rt["_fallocate"] = lambda *args: calls.append(args[1:]) or -1
    rt["_ChecksummingWriter"]._PIPELINED_FROM = rt["_ChecksummingWriter"]._PIECE = 64
    target = rt["_ValueFile"](str(path))
    data = os.urandom(200)
    with target.open() as f:
        f.write(data[:10])
        f.write(data[10:])
    assert calls == [(1, 10, 190)]  # FALLOC_FL_KEEP_SIZE, the large write's own range
    assert path.read_bytes() == data and target.checksum(len(data)) == zlib.crc32(data)


def test_a_step_saving_a_large_frame_checksums_it_with_isal(runner):
    """Through real steps (the bench's path: a pandas frame saved as Arrow): the large value is
    checksummed by isal where the step's Python has it, and both manifests hold the file's zlib
    CRC-32, so the next step loads them. Python's own import log says what the steps imported."""
    np = pytest.importorskip("numpy")
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pytest.importorskip("isal")
    make = """
        import numpy as np, pandas as pd
        small = pd.DataFrame({"x": np.arange(10.0)})
        big = pd.DataFrame({c: np.arange(1 << 20, dtype=np.float64) * i for i, c in enumerate("abc")})
        """
    use = "print(big.shape, float(big['c'].sum()), small['x'].sum())"
    saved, used = runner.round_trip(make, use, ["small", "big"], env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert "isal.isal_zlib" in saved.stderr
    assert "isal" not in used.stderr  # the loads trust the files they were told about: no pass at all
    for name in ("small", "big"):
        manifest = saved.manifest(name)
        assert manifest["serializer"] == "arrow"
        assert manifest["crc32"] == zlib.crc32((saved.folder / manifest["file"]).read_bytes()), name
    assert saved.manifest("big")["size"] >= 24 << 20 > saved.manifest("small")["size"]
    assert used.stdout == "(1048576, 3) %r 45.0\n" % (float(np.arange(1 << 20, dtype=np.float64).sum() * 2),)


# Values whose round trip must be exact in every pandas format: dtypes, values (float bits
# included), index and column labels and their types. Step `a` also pickles them for comparison.
PANDAS_EXACT_VALUES = """
    import os, pickle, numpy as np, pandas as pd
    rng = np.random.default_rng(0)
    base = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0) * 2, "i": np.arange(6)})
    values = dict(
        floats=pd.DataFrame({"c%d" % i: rng.random(1000) for i in range(8)}),
        nan_bits=pd.DataFrame({"x": np.array([1.0, np.nan, -0.0, np.inf, -np.nan]),
                               "y": np.array([1, np.nan, 3, 4, 5], np.float32)}),
        mixed=pd.DataFrame({
            "x": np.arange(5, dtype=np.float64), "i": np.arange(5, dtype=np.int32), "u": np.arange(5, dtype=np.uint16),
            "b": [True, False, True, True, False], "tn": pd.date_range("2024-01-01", periods=5),
            "td": pd.to_timedelta(np.arange(5), unit="s"), "n": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "nb": pd.array([True, None, False, True, True], dtype="boolean"),
            "nf": pd.array([1.5, None, 3, 4, 5], dtype="Float64")}),
        categorical=pd.DataFrame({"c": pd.Categorical(list("xyxyx")), "x": np.arange(5.0),
                                  "o": pd.Categorical(list("xyxyx"), categories=list("yx"), ordered=True)}),
        strings=pd.DataFrame({"s": list("abcde"), "so": np.array(list("abcde"), dtype=object),
                              "ss": pd.array(["a", "b", None, "d", "e"], dtype="string"), "x": np.arange(5.0)},
                             index=pd.Index(list("vwxyz"), name="key")),
        object_labels=pd.DataFrame({"a": [1.0, 2.0]}, index=pd.Index(["p", "q"], dtype=object)).set_axis(
            pd.Index(["a"], dtype=object), axis=1),
        tz=pd.DataFrame({"t": pd.date_range("2024-01-01", periods=3, tz="Europe/Paris"), "x": np.arange(3.0)},
                        index=pd.DatetimeIndex(["2024-01-01", "2024-02-01", "2024-03-01"], tz="UTC", name="when")),
        int_index=pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index([10, 20], name="k")),
        range_index=pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=pd.RangeIndex(10, 16, 2, name="r")),
        series=pd.Series([1.5, 2.5, np.nan], name="price"),
        series_unnamed=pd.Series(np.arange(4), index=list("abcd")),
        series_int_name=pd.Series(pd.array([1, None], dtype="Int64"), name=3),
        series_categorical=pd.Series(pd.Categorical(["a", "b", "a"]), name="c"),
        empty=pd.DataFrame(),
        zero_rows=base.iloc[:0],
        strided=base.iloc[::2],
        multi_block=pd.concat([base, pd.DataFrame({"z": np.arange(6.0)})], axis=1).assign(a2=lambda d: d.a * 3),
        from_2d=pd.DataFrame(np.asfortranarray(np.arange(24.0).reshape(6, 4)), columns=list("abcd")),
        with_attrs=base.copy(),
        multi_index=base.set_index(["i", "a"]),
        float16=pd.DataFrame({"h": np.arange(3, dtype=np.float16)}),
    )
    values["with_attrs"].attrs["unit"] = "m"
    globals().update(values)
    with open(os.path.join(os.environ["CELLPIPE_DATA_DIR"], "expected.pkl"), "wb") as f:
        pickle.dump(values, f)
"""
PANDAS_EXACT_CHECK = """
    import os, pickle, numpy as np, pandas as pd
    with open(os.path.join(os.environ["CELLPIPE_DATA_DIR"], "expected.pkl"), "rb") as f:
        expected = pickle.load(f)
    maps = open("/proc/self/maps").read() if os.path.exists("/proc/self/maps") else ""
    for name, want in expected.items():
        got = value = globals()[name]
        assert type(got) is type(want), name
        if isinstance(want, pd.Series):
            pd.testing.assert_series_equal(got, want, check_exact=True, check_index_type=True)
            assert type(got.name) is type(want.name), name
            got, want = got.to_frame("v"), want.to_frame("v")
        pd.testing.assert_frame_equal(got, want, check_exact=True, check_index_type=True, check_column_type=True)
        assert got.columns.dtype == want.columns.dtype and got.index.dtype == want.index.dtype, name
        assert type(got.index) is type(want.index) and type(got.columns) is type(want.columns), name
        assert got.attrs == want.attrs, name
        for column in want.columns:
            if isinstance(want[column].dtype, np.dtype) and want[column].dtype.kind == "f":
                assert got[column].to_numpy().tobytes() == want[column].to_numpy().tobytes(), (name, column)
        if isinstance(value, pd.Series):   # changeable in place, like the saved value
            value.iloc[0] = value.iloc[-1]
        for j in range(value.shape[1] if isinstance(value, pd.DataFrame) and len(value) else 0):
            value.iloc[0, j] = value.iloc[-1, j]
        assert "/a/" + name + "." not in maps, name + " is still memory-mapped"
    print("checked", len(expected))
"""
PANDAS_EXACT_NAMES = [
    "floats",
    "nan_bits",
    "mixed",
    "categorical",
    "strings",
    "object_labels",
    "tz",
    "int_index",
    "range_index",
    "series",
    "series_unnamed",
    "series_int_name",
    "series_categorical",
    "empty",
    "zero_rows",
    "strided",
    "multi_block",
    "from_2d",
    "with_attrs",
    "multi_index",
    "float16",
]
# What Arrow (IPC and parquet) cannot give back exactly: these fall back to pickle.
PANDAS_ARROW_FALLBACKS = {"empty", "with_attrs", "multi_index", "float16"}


@pytest.mark.parametrize("pandas_format", ["arrow", "parquet", "pickle"])
def test_pandas_round_trip_is_exact(runner, pandas_format):
    env = {"CELLPIPE_PANDAS_FORMAT": pandas_format}
    saved, used = runner.round_trip(PANDAS_EXACT_VALUES, PANDAS_EXACT_CHECK, PANDAS_EXACT_NAMES, env=env)
    assert used.stdout == "checked %d\n" % len(PANDAS_EXACT_NAMES)
    serializers = {name: saved.manifest(name)["serializer"] for name in PANDAS_EXACT_NAMES}
    if pandas_format == "pickle":
        assert set(serializers.values()) == {"pickle5"}
    else:
        fallback = "pickle5" if pandas_format == "arrow" else "pickle"
        assert serializers == {
            name: fallback if name in PANDAS_ARROW_FALLBACKS else pandas_format for name in PANDAS_EXACT_NAMES
        }


def test_pandas_without_pyarrow_goes_pickle5(runner):
    saved, used = runner.round_trip(
        "import pandas as pd\ndf = pd.DataFrame({'x': [1.5, 2.5]})\n",
        "print(df.x.sum(), df.dtypes.to_dict())",
        ["df"],
        block=("pyarrow",),
    )
    assert used.stdout == "4.0 {'x': dtype('float64')}\n"
    assert saved.manifest("df")["serializer"] == "pickle5" and saved.manifest("df")["file"] == "df.pkl5"


def test_arrow_file_is_a_plain_feather_file(runner):
    """Other tools (pandas.read_feather, pyarrow, R, polars...) read what a step saved."""
    saved = runner.ok(make_spec("a", [code(PANDAS_VALUES, "<c>")], outputs=["df"]))
    import pandas as pd

    frame = pd.read_feather(saved.folder / saved.manifest("df")["file"])
    assert list(frame.columns) == ["x", "i", "s", "b", "t", "c", "n"] and frame.index.name == "key"


@pytest.mark.parametrize("pandas_format", ["arrow", "pickle"])
def test_frame_holding_a_notebook_function_is_saved_by_value(runner, pandas_format):
    if not HAS_CLOUDPICKLE:
        pytest.skip("cloudpickle is not installed")
    make = "import pandas as pd\ndef inc(v):\n    return v + 1\nops = pd.DataFrame({'f': [inc]})\n"
    saved, used = runner.round_trip(make, "print(ops.f[0](1))", ["ops"], env={"CELLPIPE_PANDAS_FORMAT": pandas_format})
    assert used.stdout == "2\n" and saved.manifest("ops")["serializer"] == "cloudpickle"


def test_partial_reads_and_writes_are_completed():
    """One read() or write() moves at most 2 GiB on Linux: the pickle5 buffers are looped over."""
    import io

    namespace = {"__name__": "cellpipe_runtime_test"}
    exec(compile(RUNTIME, "cellpipe_runtime.py", "exec"), namespace)

    class Chunky(io.RawIOBase):
        def __init__(self, data=b""):
            self.data, self.pos = bytearray(data), 0

        def writable(self):
            return True

        def readable(self):
            return True

        def write(self, b):
            self.data += bytes(b[:3])
            return min(3, len(b))

        def readinto(self, b):
            chunk = self.data[self.pos : self.pos + min(3, len(b))]
            b[: len(chunk)] = chunk
            self.pos += len(chunk)
            return len(chunk)

    out = Chunky()
    namespace["_write_all"](out.write, b"0123456789")
    assert bytes(out.data) == b"0123456789"
    buffer = bytearray(10)
    namespace["_readinto_all"](Chunky(b"0123456789"), buffer)
    assert buffer == b"0123456789"
    with pytest.raises(EOFError):
        namespace["_readinto_all"](Chunky(b"01234"), bytearray(10))


def test_lambda_with_cloudpickle(runner):
    if not HAS_CLOUDPICKLE:
        pytest.skip("cloudpickle is not installed")
    saved, used = runner.round_trip(
        "k = 3\nf = lambda v: v * k\ndef g(v):\n    return f(v) + 1\n", "print(f(2), g(2))", ["f", "g"]
    )
    assert used.stdout == "6 7\n"
    assert saved.manifest("f")["serializer"] == "cloudpickle"


def test_lambda_without_cloudpickle_fails_with_name_type_and_remedy(runner):
    result = runner.run(
        make_spec("a", [code("f = lambda v: v", "<cell 2: step a>")], outputs=["f"]), block=("cloudpickle", "dill")
    )
    assert result.rc == 3
    failed = result.event("failed")
    assert failed["kind"] == "output" and failed["name"] == "f" and failed["type"] == "function"
    assert "'f'" in failed["message"] and "cloudpickle" in failed["message"]
    assert "recompute it in each step" in failed["message"]
    assert not (result.folder / "f.json").exists()
    assert result.step_json["status"] == "Failed"


def test_a_result_is_saved_and_one_that_cannot_be_is_a_warning(runner):
    spec = make_spec("a", [code("n = 3\ng = (i for i in range(n))", "<cell 2: step a>")], outputs=["n", "g", "gone"])
    spec["results"] = ["n", "g", "gone"]
    result = runner.run(spec)
    assert result.rc == 0 and result.step_json["status"] == "Succeeded"
    assert result.manifest("n")["type"] == "int"
    assert not (result.folder / "g.json").exists()
    warnings = {e["name"]: e for e in result.events if e["event"] == "warning"}
    assert warnings["g"]["code"] == "result-not-saved" and "generator" in warnings["g"]["message"]
    assert warnings["gone"]["code"] == "result-not-saved" and "not bound" in warnings["gone"]["message"]


def test_lambda_with_dill_when_cloudpickle_missing(runner):
    if not has_module("dill"):
        pytest.skip("dill is not installed (set CELLPIPE_TEST_PYTHONPATH to a folder holding it)")
    saved, used = runner.round_trip("k = 5\nf = lambda v: v + k\n", "print(f(1))", ["f"], block=("cloudpickle",))
    assert used.stdout == "6\n"
    assert saved.manifest("f")["serializer"] == "dill"


# --------------------------------------------------------------------------------------------
# Parameters


PARAMS_SPEC = make_spec(
    "p",
    [code("print(n_samples, seed, repr(name))", "<cell 2: step p>")],
    parameters={"n_samples": 400, "seed": 7, "name": "x"},
)


def test_parameter_defaults(runner):
    assert runner.ok(PARAMS_SPEC).stdout == "400 7 'x'\n"


def test_parameter_overrides_from_env_and_file(runner, tmp_path):
    overrides = json.dumps({"seed": 11, "name": "a'b\"; $(rm -rf /)"})
    assert runner.ok(PARAMS_SPEC, env={"CELLPIPE_PARAMETERS": overrides}).stdout == "400 11 'a\\'b\"; $(rm -rf /)'\n"
    path = tmp_path / "params.json"
    path.write_text(json.dumps({"n_samples": 5}))
    result = runner.ok(PARAMS_SPEC, env={"CELLPIPE_PARAMETERS_FILE": str(path)})
    assert result.stdout == "5 7 'x'\n"
    assert result.event("parameters")["values"] == {"n_samples": 5, "seed": 7, "name": "x"}


def test_float_parameters_stay_floats_when_given_whole_numbers(runner):
    # `C = 1.0` in the notebook reaches the spec and CELLPIPE_PARAMETERS as JSON 1: Run All has 1.0.
    spec = make_spec("p", [code("print(repr(C), repr(n))", "<cell 2: step p>")], parameters={"C": 1, "n": 3})
    spec["floatParameters"] = ["C"]
    assert runner.ok(spec).stdout == "1.0 3\n"
    result = runner.ok(spec, env={"CELLPIPE_PARAMETERS": '{"C": 2, "n": 4}'})
    assert result.stdout == "2.0 4\n"
    assert not [e for e in result.events if e["event"] == "warning"]


def test_int_parameters_stay_ints_when_given_whole_floats(runner):
    # KFP (or a form) may give `2.0` for an int input; Run All has 2.
    spec = make_spec("p", [code("print(repr(n), repr(x))", "<cell 2: step p>")], parameters={"n": 3, "x": None})
    assert runner.ok(spec, env={"CELLPIPE_PARAMETERS": '{"n": 2.0, "x": 2.0}'}).stdout == "2 2.0\n"


@pytest.mark.parametrize(
    "value, words",
    [
        ('{"n_sample": 1}', ["unknown parameter n_sample", "n_samples, name, seed"]),
        ("seed=3", ["not valid JSON"]),
        ('{"seed": NaN}', ["parameter seed: 'NaN' is not a JSON value", "not valid JSON"]),
        # Argo puts the object together from workflow parameters: the member to fix is named.
        (
            '{"seed": 3, "name": bare words, "n_samples": 5}',
            ["parameter name: 'bare words' is not a JSON value", "strings in double quotes"],
        ),
        ("[1, 2]", ["must be a JSON object"]),
    ],
)
def test_bad_parameters_fail_clearly(runner, value, words):
    result = runner.run(PARAMS_SPEC, env={"CELLPIPE_PARAMETERS": value})
    assert result.rc == 2 and result.stdout == ""
    failed = result.event("failed")
    assert failed["kind"] == "parameters"
    for word in words:
        assert word in failed["message"]
    assert result.step_json["error"]["kind"] == "parameters"


# --------------------------------------------------------------------------------------------
# Names never reach paths


HOSTILE = "tr'ain\" \n{{ x }} $(touch pwned) `id` ../../etc ✓ ünï"


def test_hostile_step_names_stay_out_of_paths(runner, tmp_path):
    spec = make_spec(HOSTILE, [code("v = 1", "<cell 1: {{ x }} $(y)>")], outputs=["v"], step_dir="train")
    spec["pipeline"] = HOSTILE
    result = runner.ok(spec)
    files = sorted(str(p.relative_to(runner.data)) for p in runner.data.rglob("*"))
    assert files == ["train", "train/.step.json", "train/v.json", "train/v.pkl"]
    assert result.manifest("v")["step"] == HOSTILE and result.event("started")["step"] == HOSTILE
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("step_dir", ["../x", "a/b", "..", ".", "", ".hidden", "x\ny", "a\\b", "-rf", "ü", 7])
def test_unsafe_step_dir_is_refused(runner, step_dir):
    result = runner.run(make_spec("s", [code("v = 1", "<c>")], outputs=["v"], step_dir=step_dir))
    assert result.rc == 2
    assert "stepDir" in result.event("failed")["message"]
    assert not runner.data.exists()


def test_unsafe_load_folder_is_refused(runner):
    result = runner.run(make_spec("s", [load("v", "../a")]))
    assert result.rc == 2 and "fromStepDir" in result.event("failed")["message"]


# --------------------------------------------------------------------------------------------
# Errors in user code


def test_traceback_points_at_cell_and_line_without_runtime_frames(runner):
    plan = [
        code("def ratio(a, b):\n    return a / b\n", "<cell 2: functions>", "prelude"),
        code("x = 1\nprint('before')\nratio(x, 0)\nprint('after')\n", "<cell 6: step train>"),
    ]
    result = runner.run(make_spec("train", plan))
    assert result.rc == 1
    assert result.stdout == "before\n"
    lines = result.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1] == '  File "<cell 6: step train>", line 3, in <module>'
    assert lines[2].strip() == "ratio(x, 0)"
    assert '  File "<cell 2: functions>", line 2, in ratio' in lines
    assert lines[-1] == "ZeroDivisionError: division by zero"
    assert ".py" not in result.stderr and "_execute" not in result.stderr
    failed = result.event("failed")
    assert (failed["kind"], failed["cell"], failed["line"]) == ("user", "<cell 2: functions>", 2)
    assert [f["file"] for f in failed["frames"]] == ["<cell 6: step train>", "<cell 2: functions>"]
    assert result.step_json["error"]["type"] == "ZeroDivisionError"


def test_syntax_error_names_cell_and_line(runner):
    result = runner.run(make_spec("s", [code("x = 1\ny = = 2\n", "<cell 4: step s>")]))
    assert result.rc == 1
    assert '  File "<cell 4: step s>", line 2' in result.stderr
    assert "SyntaxError" in result.stderr and "Traceback" not in result.stderr
    assert (result.event("failed")["cell"], result.event("failed")["line"]) == ("<cell 4: step s>", 2)


def test_sys_exit_in_a_cell_fails_the_step(runner):
    result = runner.run(
        make_spec("s", [code("import sys\nsys.exit(0)\n", "<cell 1>"), code("print('no')", "<cell 2>")])
    )
    assert result.rc == 1 and result.stdout == "" and "SystemExit" in result.stderr


# --------------------------------------------------------------------------------------------
# Outputs that cannot be passed


@pytest.mark.parametrize(
    "source, type_name",
    [
        ("gen = (i for i in range(3))", "generator"),
        ("gen = open(__import__('os').devnull)", "_io.TextIOWrapper"),
        ("import threading\ngen = threading.Lock()", "_thread.lock"),
    ],
)
def test_unserialisable_output_names_variable_and_type(runner, source, type_name):
    result = runner.run(make_spec("make", [code(source, "<cell 1>")], outputs=["gen"]))
    assert result.rc == 3
    failed = result.event("failed")
    assert failed["name"] == "gen" and failed["type"] == type_name
    assert "'gen'" in failed["message"] and type_name in failed["message"] and "'make'" in failed["message"]
    assert not list(result.folder.glob("gen*"))


def test_module_output_is_skipped_with_a_warning(runner):
    result = runner.ok(make_spec("s", [code("import json as j\nv = 1", "<cell 1>")], outputs=["j", "v"]))
    assert result.event("warning")["code"] == "output-skipped"
    assert sorted(p.name for p in result.folder.iterdir()) == [".step.json", "v.json", "v.pkl"]


def test_unbound_output_fails(runner):
    result = runner.run(make_spec("s", [code("x = 1\ndel x", "<cell 1>")], outputs=["x"]))
    assert result.rc == 3 and "not bound" in result.event("failed")["message"]


# --------------------------------------------------------------------------------------------
# Atomicity and failed loads


@pytest.mark.parametrize(
    "generator, seed, draw",
    [
        ("random", "import random\nrandom.seed(4)\nrandom.random()", "import random\nprint(random.random())"),
        (
            "numpy",
            "import numpy as np\nnp.random.seed(4)\nnp.random.rand()",
            "import numpy as np\nprint(np.random.rand())",
        ),
    ],
)
def test_random_state_travels_from_step_to_step(runner, generator, seed, draw):
    if generator == "numpy":
        pytest.importorskip("numpy")
    spec_a = dict(make_spec("a", [code(seed, "<cell 1: step a>")]), randomStates=[generator])
    saved = runner.ok(spec_a)
    assert (saved.folder / (".random-%s.pkl" % generator)).is_file()
    restore = {"kind": "random", "generator": generator, "fromStepDir": "a", "fromStep": "a"}
    drawn = runner.ok(make_spec("b", [restore, code(draw, "<cell 2: step b>")])).stdout
    one_process = subprocess.run([sys.executable, "-c", seed + "\n" + draw], capture_output=True, text=True, check=True)
    assert drawn == one_process.stdout  # what Run All prints: the sequence goes on where step a left it


def test_missing_random_state_says_which_step_to_rerun(runner):
    restore = {"kind": "random", "generator": "random", "fromStepDir": "a", "fromStep": "seed it"}
    result = runner.run(make_spec("b", [restore]))
    assert result.rc == 3
    assert "Re-run step 'seed it'" in result.event("failed")["message"]


@pytest.mark.parametrize(
    "spec_change", [{"randomStates": ["os"]}, {"plan": [{"kind": "random", "generator": "x", "fromStepDir": "a"}]}]
)
def test_unknown_random_generator_is_refused(runner, spec_change):
    result = runner.run(dict(make_spec("b", []), **spec_change))
    assert result.rc == 2 and "invalid step spec" in result.event("failed")["message"]


def test_missing_input_says_which_step_to_rerun(runner):
    result = runner.run(make_spec("b", [load("rows", "load_data", "load data")]))
    assert result.rc == 3
    failed = result.event("failed")
    assert failed["name"] == "rows" and "missing" in failed["message"]
    assert "Re-run step 'load data'" in failed["message"]


def test_truncated_value_is_reported_corrupt(runner):
    runner.ok(make_spec("a", [code("x = list(range(1000))", "<c>")], outputs=["x"]))
    path = runner.data / "a" / "x.pkl"
    path.write_bytes(path.read_bytes()[:100])
    result = runner.run(make_spec("b", [load("x", "a")]))
    assert result.rc == 3 and "manifest says" in result.event("failed")["message"]


@pytest.mark.parametrize("size", [1000, (64 << 20) + 1], ids=["small", "over-64MiB"])
def test_same_size_corruption_is_reported_at_any_size(runner, size):
    """A byte flipped in place (same size, so the size check passes) fails the load, whatever the
    value's size: before, values over 64 MiB had no checksum and reached the consumer damaged."""
    runner.ok(make_spec("a", [code("x = bytes(%d)" % size, "<c>")], outputs=["x"]))
    path = runner.data / "a" / "x.pkl"
    with open(path, "r+b") as f:
        f.seek(path.stat().st_size - 10)
        f.write(b"\x01")
    result = runner.run(make_spec("b", [load("x", "a", "make")]))
    failed = result.event("failed")
    assert result.rc == 3 and "does not match the manifest's crc32" in failed["message"]
    assert "Re-run step 'make'" in failed["message"]


@pytest.mark.parametrize("same_times", [False, True], ids=["copied", "copied-with-times"])
def test_value_replaced_by_a_damaged_copy_is_reported(runner, same_times):
    """A load skips the crc32 pass only for the very file its manifest describes: a same-size
    damaged copy put in its place (another inode; even with the original's times, as a restore
    with `cp -p` gives) is checksummed and refused."""
    runner.ok(make_spec("a", [code("x = bytes(5000)", "<c>")], outputs=["x"]))
    path = runner.data / "a" / "x.pkl"
    original = path.stat()
    copy = path.with_name("copy")
    data = bytearray(path.read_bytes())
    data[-10] ^= 1
    copy.write_bytes(bytes(data))
    if same_times:
        os.utime(copy, ns=(original.st_atime_ns, original.st_mtime_ns))
    os.replace(copy, path)
    result = runner.run(make_spec("b", [load("x", "a", "make")]))
    assert result.rc == 3 and "does not match the manifest's crc32" in result.event("failed")["message"]
    # The intact bytes in a new file load: the checksum, not the identity, decides.
    data[-10] ^= 1
    copy.write_bytes(bytes(data))
    os.replace(copy, path)
    assert runner.run(make_spec("c", [load("x", "a", "make"), code("print(len(x))", "<c>")])).stdout == "5000\n"


def test_sigkill_while_writing_leaves_no_value(runner):
    spec = make_spec(
        "big",
        [code("import numpy as np\nbig = np.ones(300 * 2**20 // 8)\nready = True", "<c>")],
        outputs=["ready", "big"],
    )
    script = runner.script(spec)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        env=runner.env({}),
        cwd=runner.tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    folder = runner.data / "big"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if (folder / "ready.json").exists() and any(p.name.startswith(".cellpipe.tmp-") for p in folder.iterdir()):
                break  # `big` is being written: its temporary file exists
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the step finished before it could be killed"
    assert not (folder / "big.json").exists() and not (folder / "big.npy").exists()
    result = runner.run(make_spec("use", [load("big", "big")]))
    assert result.rc == 3 and "missing" in result.event("failed")["message"]
    # Running the step again cleans up the killed attempt's temporary file.
    runner.ok(make_spec("big", [code("big = 1", "<c>")], outputs=["big"]))
    assert sorted(p.name for p in folder.iterdir()) == [".step.json", "big.json", "big.pkl", "ready.json", "ready.pkl"]


def test_rerun_removes_outputs_of_the_previous_attempt(runner):
    runner.ok(make_spec("a", [code("x = 1", "<c>")], outputs=["x"], metrics=["x"]))
    result = runner.run(make_spec("a", [code("1 / 0", "<c>")], outputs=["x"], metrics=["x"]))
    assert result.rc == 1
    assert sorted(p.name for p in result.folder.iterdir()) == [".step.json"]


# --------------------------------------------------------------------------------------------
# Events, metrics, results, output


def test_events_metrics_and_step_result(runner):
    runner.ok(make_spec("a", [code("w = [1, 2]", "<c>")], outputs=["w"]))
    plan = [
        load("w", "a"),
        code(
            """
        import numpy as np
        acc = np.float64(0.75)
        n = 3
        ok = True
        label = "x"
        bad = float("nan")
        """,
            "<cell 2: step b>",
        ),
    ]
    result = runner.ok(make_spec("b", plan, outputs=["n"], metrics=["acc", "n", "ok", "label", "bad", "missing"]))
    kinds = [e["event"] for e in result.events]
    assert kinds[:3] == ["started", "parameters", "input-loaded"] and kinds[-1] == "finished"
    assert kinds.index("output-saved") < kinds.index("metrics")
    assert all(e["step"] == "b" and e["time"].endswith("Z") for e in result.events)
    loaded = result.event("input-loaded")
    assert (loaded["name"], loaded["fromStepDir"], loaded["bytes"] > 0) == ("w", "a", True)
    assert result.event("output-saved")["serializer"] in ("pickle", "cloudpickle")
    expected = {"acc": 0.75, "n": 3, "ok": True, "bad": None}
    assert result.event("metrics")["metrics"] == expected
    assert json.loads((result.folder / ".metrics.json").read_text()) == expected
    warnings = {e["code"] for e in result.events if e["event"] == "warning"}
    assert warnings == {"metric-type", "metric-not-finite", "metric-unbound"}
    step = result.step_json
    assert step["status"] == "Succeeded" and step["metrics"] == expected and step["error"] is None
    assert set(step["seconds"]) == {"load", "run", "save", "total"} and set(step["outputs"]) == {"n"}
    assert result.stderr == ""


def test_events_go_to_stderr_with_prefix_when_no_events_file(runner):
    result = runner.run(make_spec("s", [code("print('out')", "<c>")]), env={"CELLPIPE_EVENTS": None})
    assert result.rc == 0 and result.stdout == "out\n"
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("[cellpipe] {") for line in lines)
    assert json.loads(lines[-1][len("[cellpipe] ") :])["event"] == "finished"


def test_stdout_is_exactly_what_the_cells_print(runner):
    plan = [
        code("import sys\nx = 2\nprint('a', x)\nx", "<cell 1>"),
        code("print('err', file=sys.stderr)\nfor i in range(2):\n    print(i, end=' ')\nx * 10", "<cell 2>"),
    ]
    result = runner.ok(make_spec("s", plan))
    assert result.stdout == "a 2\n0 1 "  # a cell's last expression is not displayed
    assert result.stderr == "err\n"


def test_namespace_is_like_a_kernels_main(runner, tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "helper_mod.py").write_text("VALUE = 'from cwd'\n")
    source = "import sys, helper_mod\nprint(__name__, len(sys.argv), helper_mod.VALUE, 'IPython' in sys.modules)"
    result = runner.ok(make_spec("s", [code(source, "<c>")]), cwd=tmp_path / "work", literal=True)
    assert result.stdout == "__main__ 1 from cwd False\n"


# --------------------------------------------------------------------------------------------
# IPython magics


MAGIC_PLAN = [code("%time y = 6 * 7\n!echo shell\nprint('y =', y)\n", "<cell 3: step m>")]


def test_magics_run_through_ipython(runner):
    if not has_module("IPython"):
        pytest.skip("IPython is not installed")
    result = runner.ok(make_spec("m", MAGIC_PLAN, magics="ipython"))
    assert "CPU times" in result.stdout and "shell\ny = 42\n" in result.stdout


def test_gui_magics_do_nothing_in_a_step(runner):
    # %matplotlib inline / %gui ask the shell for an event loop; a step has none (a kernel without
    # a display does nothing either), where IPython's base shell would raise NotImplementedError.
    if not has_module("IPython"):
        pytest.skip("IPython is not installed")
    result = runner.ok(make_spec("m", [code("%gui\nprint('after gui')\n", "<cell 1: step m>")], magics="ipython"))
    assert result.stdout == "after gui\n"


def test_magics_without_ipython_fail_naming_the_cell(runner):
    result = runner.run(make_spec("m", MAGIC_PLAN, magics="ipython"), block=("IPython",))
    assert result.rc == 2
    failed = result.event("failed")
    assert failed["kind"] == "magics" and "<cell 3: step m>" in failed["message"] and "IPython" in failed["message"]


def test_magics_refused_when_spec_says_error(runner):
    result = runner.run(make_spec("m", MAGIC_PLAN, magics="error"))
    assert result.rc == 1 and "SyntaxError" in result.stderr and "<cell 3: step m>" in result.stderr


def test_sigterm_fails_the_step_cleanly(runner):
    spec = make_spec("s", [code("import time\nprint('sleeping')\ntime.sleep(60)", "<c>")])
    script = runner.script(spec)
    env = runner.env({})
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        env=env,
        cwd=runner.tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline() == "sleeping\n"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 143
    events = [json.loads(line) for line in Path(env["CELLPIPE_EVENTS"]).read_text().splitlines()]
    assert events[-1]["event"] == "failed" and events[-1]["kind"] == "terminated"
    assert json.loads((runner.data / "s" / ".step.json").read_text())["status"] == "Failed"
