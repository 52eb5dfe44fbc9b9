# cellpipe step runtime.
#
# Shipped without its comments and docstrings (scripts/python-commentary.cjs: every line stays
# where it is), with the step entry (cellpipe_step.py), in the runtime file written once
# per run to $CELLPIPE_DATA_DIR/_cellpipe/cellpipe_runtime.py; each step script imports that file
# and calls `run_step(SPEC)`, which calls `main(SPEC)`. It runs a step's cells the way "Run All"
# runs them in one kernel, and passes variables between steps through files under
# $CELLPIPE_DATA_DIR. Standard library only at import time; numpy, pandas, pyarrow, torch,
# cloudpickle, dill and IPython are imported only when a value or a cell needs them.
#
# The source is also exec'd as it is (tests, benchmarks), so it never uses __file__ or relative
# imports. Public names: `main` and `SPEC_VERSION`; everything else starts with `_`.
#
# Contract (the compiler and the backends rely on it; names and numbers are checked against
# compile/runtime/contract.ts by contract.spec.ts):
#
#   main(spec)  spec is a dict, or its JSON text. Keys:
#     version    1
#     pipeline, step     display names; never used in paths
#     stepDir    folder (one safe path component) receiving this step's outputs
#     plan       entries run in order in one namespace:
#                  {"kind": "code", "source", "filename", "role": "declaration" | "replay" | "cell",
#                   "cell"?: notebook index (role "cell": what it shows is kept under it)}
#                  {"kind": "load", "name", "fromStepDir", "fromStep"?}
#                  {"kind": "random", "generator", "fromStepDir", "fromStep"?}  restores a global
#                    random generator's state as that step left it (a notebook seeded it)
#     parameters {name: JSON default}   bound before the plan; overridden by the run's values
#                (whole floats given for int defaults become ints)
#     floatParameters [name]   parameters declared as floats (`C = 1.0`): JSON cannot tell 1.0
#                from 1, so whole numbers given for these are made floats, as Run All binds them
#     outputs    [name]   saved after the plan ran
#     randomStates [generator]  global random generators ("random", "numpy", "torch") whose
#                state is saved after the plan ran, for the next step that may draw from them
#     metrics    [name]   reported when bound and numeric
#     magics     "ipython" | "error"
#
#   Environment:
#     CELLPIPE_DATA_DIR         required; the run's data root
#     CELLPIPE_PARAMETERS       JSON object of overrides, or CELLPIPE_PARAMETERS_FILE (a path)
#     CELLPIPE_EVENTS           JSON-lines file for the runtime's events, relative to the data folder
#                               unless absolute (else stderr, "[cellpipe] ")
#     CELLPIPE_FSYNC            "0" skips fsync (durability against OS crashes, not step kills)
#     CELLPIPE_PANDAS_FORMAT    "arrow" (default: Arrow IPC file, i.e. Feather v2), "parquet" or
#                               "pickle" (protocol 5, the frame's memory written raw after the stream)
#
#   Files, in <CELLPIPE_DATA_DIR>/<stepDir>/:
#     <name>.<npy|arrow|parquet|pt|pkl|pkl5>  the value;  <name>.json  its manifest, written last
#       (serializer, size, crc32 of the file computed while writing it, and fileIdentity: the
#       file's inode, size, mtime and ctime then; a load verifies the crc32 unless the identity
#       is still the same, i.e. unless the file was not written, copied or replaced since)
#     .metrics.json  {name: number}            .step.json  the step's result document
#     .random-<generator>.pkl  a global random generator's state (pickle)
#
#   Exit codes: 0 succeeded; 1 the user's code raised; 2 invalid spec, parameters, environment
#   or unavailable IPython; 3 an input could not be loaded or an output saved; 4 runtime bug;
#   130 interrupted (SIGINT); 143 terminated (SIGTERM).
#
# What each cell shows (streams, the last expression's value, displays, figures, errors) is
# captured by cellpipe_outputs.py, which follows this source in the runtime file: plan entries of
# role "cell" carry `cell`, the notebook index their outputs are kept under, in
# <stepDir>/.outputs.json. CELLPIPE_OUTPUTS "0" turns it off; CELLPIPE_OUTPUTS_LIMIT caps the
# document's bytes (pods). The step's log stays exactly what the code printed.

import io as _io
import json as _json
import os as _os
import sys as _sys
import time as _time

SPEC_VERSION = 1

_FORMATS_EXT = {"npy": ".npy", "arrow": ".arrow", "parquet": ".parquet", "torch": ".pt", "pickle": ".pkl"}
# Serializer recorded in a manifest -> file extension.
_SERIALIZER_EXT = dict(_FORMATS_EXT, cloudpickle=".pkl", dill=".pkl", pickle5=".pkl5")
_CHECK_BLOCK = 8 << 20  # block size of the crc32 pass over a value file
_FAST_CHECKSUM_FROM = 4 << 20  # from here isal's crc32 (when there) pays for its import (~0.8 ms)
_BUFFER = 8 << 20  # write buffer for pickle outputs
_SYNC_WHILE_WRITING = 64 << 20  # values at least this large are synced to disk as they are written
_STEP_FILE = ".step.json"
_METRICS_FILE = ".metrics.json"
_MANIFEST_SUFFIX = ".json"
_RANDOM_STATE_FILE = ".random-%s.pkl"
# The process's exit code, by what ended the step.
_EXIT_CODES = {"succeeded": 0, "user": 1, "invalid": 2, "data": 3, "internal": 4, "interrupted": 130, "terminated": 143}
_REMEDY = (
    "recompute it in each step that needs it, mark the cell that creates it "
    "`imports` or `functions` so every step runs it, or convert it to data"
)


class _StepError(Exception):
    """A failure the runtime explains itself: `kind` goes into the failed event."""

    _EXIT = {
        "user": "user",
        "spec": "invalid",
        "parameters": "invalid",
        "environment": "invalid",
        "magics": "invalid",
        "input": "data",
        "output": "data",
    }

    def __init__(self, kind, message, **fields):
        super().__init__(message)
        self.kind, self.message, self.fields = kind, message, fields
        self.exit_code = _EXIT_CODES[self._EXIT.get(kind, "internal")]


class _Terminated(BaseException):
    """Raised from the SIGTERM handler so that temporary files are cleaned up."""


# ---------------------------------------------------------------------------------------------
# Small helpers


def _now_iso(t=None):
    t = _time.time() if t is None else t
    return _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


def _type_name(value):
    cls = type(value)
    module = getattr(cls, "__module__", None)
    qualname = getattr(cls, "__qualname__", cls.__name__)
    return qualname if module in (None, "builtins") else "%s.%s" % (module, qualname)


def _dumps(obj):
    # Strict JSON (no NaN) so that JavaScript can parse every file the runtime writes.
    return _json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str)


def _is_safe_component(name):
    """One path component a step may use as its folder: no separators, no dot-names."""
    if not isinstance(name, str) or not 0 < len(name) <= 128:
        return False
    if not (name[0].isascii() and (name[0].isalnum() or name[0] == "_")):
        return False
    return all(c.isascii() and (c.isalnum() or c in "_.-") for c in name)


def _fsync_enabled():
    return _os.environ.get("CELLPIPE_FSYNC", "1") != "0"


def _fsync_path(path, directory=False):
    fd = _os.open(path, _os.O_RDONLY | (getattr(_os, "O_DIRECTORY", 0) if directory else 0))
    try:
        _os.fsync(fd)
    finally:
        _os.close(fd)


def _remove(path):
    try:
        _os.unlink(path)
    except FileNotFoundError:
        pass


class _BackgroundSync:
    """Flushes a file's dirty pages to disk while it is being written, so that the final
    fsync has little left to do (the page copy and the disk write overlap)."""

    def __init__(self, path):
        import threading

        self._fd = _os.open(path, _os.O_RDONLY)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cellpipe-sync", daemon=True)

    def _run(self):
        sync = getattr(_os, "fdatasync", _os.fsync)
        while not self._done.wait(0.05):
            sync(self._fd)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        try:
            if exc[0] is None:
                _os.fsync(self._fd)
        finally:
            _os.close(self._fd)


def _atomic_write(path, write, large=False):
    """Writes through `write(tmp_path)` into a temporary file of path's folder, then fsyncs and
    renames it into place: readers see no file or the whole file, never a part of it. `path`
    may be a function of write's result (when the writer picks the file's extension)."""
    folder = _os.path.dirname(path) if isinstance(path, str) else path.folder
    tmp = _os.path.join(folder, ".cellpipe.tmp-%d-%s" % (_os.getpid(), _os.urandom(6).hex()))
    _os.close(_os.open(tmp, _os.O_WRONLY | _os.O_CREAT | _os.O_EXCL, 0o644))
    try:
        if large and _fsync_enabled():
            with _BackgroundSync(tmp):
                result = write(tmp)
        else:
            result = write(tmp)
            if _fsync_enabled():
                _fsync_path(tmp)
        final = path if isinstance(path, str) else path(result)
        _os.replace(tmp, final)
    except BaseException:
        _remove(tmp)
        raise
    if _fsync_enabled():
        _fsync_path(folder, directory=True)
    return final, result


def _write_json_file(path, obj):
    data = (_dumps(obj) + "\n").encode("utf-8")

    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(data)

    _atomic_write(path, write)


_isal_crc32 = None  # isal's crc32, looked up by the first large value; False where there is none


def _crc32_function(size):
    """The function that computes the CRC-32 of a value's bytes, or of the part of them that brings
    the count checksummed so far to `size`: zlib.crc32, or for a large value python-isal's crc32
    when the step's Python has it (jupyterlab-cellpipe installs it beside itself, for local steps).
    Both give the same CRC-32, the one the manifest and the server's check (valueCheck.ts) expect.
    isal's uses carry-less multiplication: 15.6 GB/s against zlib's 2.3 on the bench's machine,
    where zlib's held a save without fsync to half of np.save's speed. Small values keep zlib:
    importing isal takes ~0.8 ms, more than their checksum."""
    global _isal_crc32
    if size >= _FAST_CHECKSUM_FROM:
        if _isal_crc32 is None:
            # Looked up once: a value's writer asks for each write, and a failed import searches
            # sys.path again every time (~40 us; an Arrow file of 1,000 columns takes ~1,000 writes).
            try:
                from isal.isal_zlib import crc32 as _isal_crc32
            except ImportError:
                _isal_crc32 = False  # a step's image has only what the user installs (pods): zlib's
        if _isal_crc32:
            return _isal_crc32
    import zlib

    return zlib.crc32


def _crc32(path):
    """The file's CRC-32. Every value file gets one, whatever its size: zlib.crc32 is 3.4x faster
    than sha256 (with SHA extensions) and 5x faster than blake2b here (0.16 s/GiB against 0.55
    and 0.81), and it detects corruption (any burst up to 32 bits, any same-size damage with
    probability 1 - 2**-32); it does not detect tampering, which needs a keyed hash, not a
    checksum stored beside the value. Values are checksummed as they are written (_ValueFile):
    this pass serves the writers that only take a path, and loads of files that changed."""
    with open(path, "rb", buffering=0) as f:
        # No larger than the file: bytearray(n) writes n zeros, and 8 MiB of them (2,048 pages
        # touched) cost ~4 ms, more than reading a small value.
        size = _os.fstat(f.fileno()).st_size
        crc, block, crc32 = 0, bytearray(max(1, min(_CHECK_BLOCK, size))), _crc32_function(size)
        view = memoryview(block)
        while True:
            count = f.readinto(block)
            if not count:
                return crc
            crc = crc32(view[:count], crc)


def _file_identity(st):
    """What changes whenever a file is written, copied, linked or replaced: its inode, size, and
    modification and change times (the change time cannot be set back, even by os.utime)."""
    return {"inode": st.st_ino, "size": st.st_size, "mtimeNs": st.st_mtime_ns, "ctimeNs": st.st_ctime_ns}


_fallocate = None  # libc's fallocate, found by the first large write; False where there is none


def _allocate_ahead(fd, offset, length):
    """Asks the file system for the blocks of [offset, offset + length) of fd's file before they
    are written, keeping its size (fallocate with FALLOC_FL_KEEP_SIZE, as np.save does): ext4 then
    maps the range at once instead of a block at a time as the pages are written. 1 GiB written in
    0.23 s instead of 0.25 on the bench's machine. Best effort: where there is no fallocate (a file
    system without it, such as NFS before 4.2, or not Linux) the write goes on as before. Python's
    os.posix_fallocate is not used: glibc emulates it by writing the range, which doubles the I/O."""
    global _fallocate
    if _fallocate is None:
        _fallocate = False
        if _sys.platform.startswith("linux") and _sys.maxsize > 2**32:  # off_t is 64 bits there
            try:
                import ctypes

                _fallocate = ctypes.CDLL(None, use_errno=True).fallocate
                _fallocate.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64)
            except (ImportError, OSError, AttributeError):
                pass
    if _fallocate:
        _fallocate(fd, 1, offset, length)  # 1: FALLOC_FL_KEEP_SIZE. A failure leaves the write as it was.


class _ChecksummingWriter(_io.RawIOBase):
    """An unbuffered, append-only writer that computes the CRC-32 of what it writes. A large write
    is cut into pieces: while one piece is being written, a second thread checksums it (both crc32
    functions and os.write release the GIL), so the checksum costs no pass of its own over the
    file (reading 1 GiB again and checksumming it took as long as writing it)."""

    _PIPELINED_FROM = 16 << 20  # writes at least this large are checksummed in pieces by the thread
    _PIECE = 32 << 20  # 8 MiB pieces wrote 1 GiB 3% slower: more hand-offs between the two threads

    def __init__(self, path):
        super().__init__()
        self._fd = _os.open(path, _os.O_WRONLY | _os.O_APPEND)
        self.crc, self.count = 0, 0
        self._pieces = None  # the checksumming thread's queue, made by the first large write

    def writable(self):
        return True

    def _write_os(self, view):
        return _os.write(self._fd, view)

    def _checksum_pieces(self, crc32):
        while True:
            piece = self._pieces.get()
            if piece is None:
                return
            self.crc = crc32(piece, self.crc)
            self._pieces.task_done()

    def write(self, data):
        view = memoryview(data).cast("B")
        if len(view) < self._PIPELINED_FROM:
            self.crc = _crc32_function(self.count + len(view))(view, self.crc)
            _write_all(self._write_os, view)
        else:
            if self._pieces is None:
                import queue
                import threading

                self._pieces = queue.Queue()
                crc32 = _crc32_function(self.count + len(view))
                threading.Thread(
                    target=self._checksum_pieces, args=(crc32,), name="cellpipe-crc32", daemon=True
                ).start()
            _allocate_ahead(self._fd, self.count, len(view))
            try:
                for start in range(0, len(view), self._PIECE):
                    piece = view[start : start + self._PIECE]
                    self._pieces.put(piece)
                    _write_all(self._write_os, piece)
            finally:
                self._pieces.join()  # the caller may free data once write returns
        self.count += len(view)
        return len(view)

    def close(self):
        if self._pieces is not None:
            self._pieces.put(None)
            self._pieces = None
        if self._fd >= 0:
            _os.close(self._fd)
            self._fd = -1
        super().close()


class _ValueFile:
    """The temporary file a value writer fills. `open()` gives a checksumming writer on it (empty,
    for a writer that failed half-way before this one); `checksum(size)` is then the CRC-32 of the
    file's content, or None when it is not known (a writer that used the path, or a count that
    differs from the file's size): then the file is read again."""

    def __init__(self, path):
        self._path, self._writer = path, None

    def open(self, buffering=0):
        try:
            if _os.path.getsize(self._path):
                # Truncating, not opening with O_TRUNC ("wb"): on ext4, auto_da_alloc ("replace
                # via truncate") makes the close of an O_TRUNC-opened file start writing all of it
                # back, 0.3 s or more per GiB.
                _os.truncate(self._path, 0)
        except FileNotFoundError:
            pass
        self._writer = _ChecksummingWriter(self._path)
        return self._writer if not buffering else _io.BufferedWriter(self._writer, buffering)

    @property
    def path(self):
        """The path, for a writer that only takes one: its content is then checksummed afterwards."""
        self._writer = None
        return self._path

    def checksum(self, size):
        writer = self._writer
        if writer is None or not writer.closed or writer.count != size:
            return None
        return writer.crc


def _sha256(path):
    """The file's sha256, for manifests written before crc32 (up to 64 MiB they carried one)."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Events: the runtime's own messages, kept out of the user's stdout and stderr


class _Events:
    def __init__(self, step):
        self.step = step
        path = _os.environ.get("CELLPIPE_EVENTS")
        self._fd = None
        if path and not _os.path.isabs(path):  # pods: relative to the run's data folder
            path = _os.path.join(_os.environ.get("CELLPIPE_DATA_DIR", ""), path)
        if path:
            self._fd = _os.open(path, _os.O_WRONLY | _os.O_APPEND | _os.O_CREAT, 0o644)

    def emit(self, event, **fields):
        record = {"event": event, "time": _now_iso(), "step": self.step}
        record.update(fields)
        line = _dumps(record)
        if self._fd is not None:
            # One write of one line on an O_APPEND descriptor: lines never interleave.
            _os.write(self._fd, (line + "\n").encode("utf-8"))
        else:
            _sys.stderr.write("[cellpipe] " + line + "\n")
            _sys.stderr.flush()

    def warning(self, code, message, **fields):
        self.emit("warning", code=code, message=message, **fields)


# ---------------------------------------------------------------------------------------------
# Spec and parameters


def _check_spec(spec):
    def fail(message):
        raise _StepError("spec", "invalid step spec: " + message)

    def names(key):
        value = spec.get(key, [])
        if not isinstance(value, list) or not all(isinstance(n, str) and n.isidentifier() for n in value):
            fail("%r must be a list of Python identifiers" % key)
        return value

    if not isinstance(spec, dict):
        fail("expected an object, got %s" % _type_name(spec))
    if spec.get("version") != SPEC_VERSION:
        fail("version %r is not supported (this runtime reads version %d)" % (spec.get("version"), SPEC_VERSION))
    for key in ("pipeline", "step"):
        if not isinstance(spec.get(key), str):
            fail("%r must be a string" % key)
    if not _is_safe_component(spec.get("stepDir")):
        fail("stepDir %r is not a single safe folder name ([A-Za-z0-9_][A-Za-z0-9_.-]*)" % (spec.get("stepDir"),))
    if spec.get("magics", "error") not in ("ipython", "error"):
        fail("magics must be 'ipython' or 'error'")
    names("outputs")
    names("results")
    if not all(generator in _RANDOM_STATES for generator in names("randomStates")):
        fail("'randomStates' may name only %s" % ", ".join(sorted(_RANDOM_STATES)))
    names("metrics")
    names("floatParameters")
    names("itemLists")
    distributed = spec.get("distributed")
    if distributed is not None and not (isinstance(distributed, dict) and isinstance(distributed.get("workers"), int)):
        fail("'distributed' must give the number of 'workers'")
    serve = spec.get("serve")
    if serve is not None and not (
        isinstance(serve, dict)
        and isinstance(serve.get("model"), str)
        and serve["model"].isidentifier()
        and (serve.get("sample") is None or (isinstance(serve["sample"], str) and serve["sample"].isidentifier()))
        and _is_safe_component(serve.get("name"))
    ):
        fail("'serve' must name the model, the sample (or null) and the served name")
    fan_out = spec.get("fanOut")
    if fan_out is not None:
        if not (
            isinstance(fan_out, dict)
            and isinstance(fan_out.get("over"), str)
            and fan_out["over"].isidentifier()
            and _is_safe_component(fan_out.get("fromStepDir"))
            and isinstance(fan_out.get("cell"), int)
            and isinstance(fan_out.get("accumulators", []), list)
            and all(isinstance(n, str) and n.isidentifier() for n in fan_out.get("accumulators", []))
        ):
            fail(
                "'fanOut' must name the list ('over'), its step's folder ('fromStepDir'), the loop's cell, accumulators"
            )
    parameters = spec.get("parameters", {})
    if not isinstance(parameters, dict) or not all(isinstance(n, str) and n.isidentifier() for n in parameters):
        fail("'parameters' must map Python identifiers to values")
    plan = spec.get("plan")
    if not isinstance(plan, list):
        fail("'plan' must be a list")
    for i, entry in enumerate(plan):
        kind = entry.get("kind") if isinstance(entry, dict) else None
        if kind == "code":
            if not isinstance(entry.get("source"), str) or not isinstance(entry.get("filename"), str):
                fail("plan[%d]: a code entry needs string 'source' and 'filename'" % i)
        elif kind in ("load", "random"):
            if kind == "load" and not (isinstance(entry.get("name"), str) and entry["name"].isidentifier()):
                fail("plan[%d]: a load entry needs an identifier 'name'" % i)
            if kind == "random" and entry.get("generator") not in _RANDOM_STATES:
                fail("plan[%d]: unknown random generator %r" % (i, entry.get("generator")))
            if not _is_safe_component(entry.get("fromStepDir")):
                fail("plan[%d]: fromStepDir %r is not a single safe folder name" % (i, entry.get("fromStepDir")))
        else:
            fail("plan[%d]: unknown kind %r" % (i, kind))


def _reject_constant(name):
    raise ValueError("%s is not valid JSON" % name)


def _as_declared(values, floats, defaults=None):
    """Whole numbers given for float parameters become floats, and whole floats given for int
    parameters ints (JSON has one number type: `2.0` may come from a form or a number input)."""

    def declared(name, value):
        if name in floats and type(value) is int:
            return float(value)
        if defaults and type(defaults.get(name)) is int and type(value) is float and value.is_integer():
            return int(value)
        return value

    return {name: declared(name, value) for name, value in values.items()}


def _malformed_parameter(text, names):
    """For a parameters object that is not valid JSON: (name, its value's text, the error) of the
    first member whose value is not a JSON value, or None. The object is often assembled from
    per-parameter texts (Argo substitutes each workflow parameter into it), so the member, not the
    object, is what the user has to fix."""
    decoder = _json.JSONDecoder(parse_constant=_reject_constant)
    at = _json.decoder.WHITESPACE.match(text, 0).end()
    if text[at : at + 1] != "{":
        return None
    at += 1
    while True:
        at = _json.decoder.WHITESPACE.match(text, at).end()
        try:
            name, at = decoder.raw_decode(text, at)
        except ValueError:
            return None
        at = _json.decoder.WHITESPACE.match(text, at).end()
        if not isinstance(name, str) or text[at : at + 1] != ":":
            return None
        at = _json.decoder.WHITESPACE.match(text, at + 1).end()
        try:
            _, end = decoder.raw_decode(text, at)
        except ValueError:
            # The value's text ends where the next known member starts, else at the object's end.
            ends = [text.find(", " + _json.dumps(n) + ":", at) for n in names]
            end = min([i for i in ends if i >= 0] or [text.rstrip().rfind("}")])
            value = text[at : end if end > at else len(text)].strip()
            try:
                decoder.decode(value)
            except ValueError as e:
                return name, value, e
            return None
        at = _json.decoder.WHITESPACE.match(text, end).end()
        if text[at : at + 1] != ",":
            return None
        at += 1


def _resolve_parameters(defaults, events, floats=()):
    """Defaults overridden by the run's values, which arrive as JSON data, never as code."""
    defaults = _as_declared(defaults, floats)
    text = _os.environ.get("CELLPIPE_PARAMETERS")
    path = _os.environ.get("CELLPIPE_PARAMETERS_FILE")
    if text is not None and path:
        raise _StepError("parameters", "both CELLPIPE_PARAMETERS and CELLPIPE_PARAMETERS_FILE are set; set one")
    source = "CELLPIPE_PARAMETERS"
    if path:
        source = "CELLPIPE_PARAMETERS_FILE (%s)" % path
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise _StepError("parameters", "cannot read %s: %s" % (source, e)) from e
    values = dict(defaults)
    if text is None or not text.strip():
        return values
    try:
        overrides = _json.loads(text, parse_constant=_reject_constant)
    except ValueError as e:
        malformed = _malformed_parameter(text, defaults)
        if malformed:
            name, value, error = malformed
            raise _StepError(
                "parameters",
                "parameter %s: %r is not a JSON value (%s); give numbers as 1.5, "
                "booleans as true or false, strings in double quotes" % (name, value, error),
                names=[name],
            ) from None
        raise _StepError("parameters", "%s is not valid JSON: %s" % (source, e)) from e
    if not isinstance(overrides, dict):
        raise _StepError(
            "parameters", "%s must be a JSON object of name: value, got %s" % (source, type(overrides).__name__)
        )
    overrides = _as_declared(overrides, floats, defaults)
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise _StepError(
            "parameters",
            "unknown parameter%s %s; this pipeline's parameters are: %s"
            % ("s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(sorted(defaults)) or "(none)"),
            names=unknown,
        )
    for name, value in overrides.items():
        default = defaults[name]
        if (
            default is not None
            and type(value) is not type(default)
            and not (type(default) is float and type(value) is int)
        ):
            events.warning(
                "parameter-type",
                "parameter %s defaults to a %s but was given a %s"
                % (name, type(default).__name__, type(value).__name__),
                name=name,
            )
        values[name] = value
    return values


# ---------------------------------------------------------------------------------------------
# Running code like a kernel


def _new_main_module():
    """A fresh `__main__` module, installed in sys.modules like a kernel's: classes and
    functions the cells define pickle by reference as `__main__.X` and load in other steps."""
    import builtins
    import types

    module = types.ModuleType("__main__")
    module.__dict__.update(__builtins__=builtins, __spec__=None, __loader__=None, __package__=None)
    _sys.modules["__main__"] = module
    return module


def _looks_like_ipython(source):
    import re

    return re.search(r"(?m)^\s*(%|!|\w[\w., ]*=\s*[%!])|\?\s*$", source) is not None


_ipython_shell_instance = None


def _ipython_shell(module):
    global _ipython_shell_instance
    if _ipython_shell_instance is None:
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False
        # What the shell prints itself (a formatter's exception, a magic's) goes to the log too:
        # plain text, no terminal colours.
        config.InteractiveShell.colors = "NoColor"
        shell = InteractiveShell.instance(config=config, user_module=module, user_ns=module.__dict__)
        # A step has no GUI event loop to integrate with: `%matplotlib inline` (which asks for
        # none) and `%gui` do what a kernel without a display does, nothing, instead of the base
        # shell's NotImplementedError.
        shell.enable_gui = lambda gui=None: None
        _ipython_shell_instance = shell
    return _ipython_shell_instance


def _cell_code(entry, magics, module):
    """A code entry's Python, checked: its source, or for cells with IPython syntax what IPython's
    transformer makes of it (IPython imported only then). Valid Python never imports IPython."""
    import linecache

    source, filename = entry["source"], entry["filename"]
    # Registered so tracebacks show the cell's own lines (mtime None: never re-checked).
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        compile(source, filename, "exec", dont_inherit=True)
        return source
    except SyntaxError as error:
        if magics != "ipython" or not _looks_like_ipython(source):
            raise
        original = error
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        raise _StepError(
            "magics",
            "cell %s uses IPython syntax (magics or shell commands) but IPython "
            "is not installed in this step's Python (%s); install ipython there or remove "
            "the magic" % (filename, _sys.executable),
            cell=filename,
            line=original.lineno,
        ) from None
    code = TransformerManager().transform_cell(source)
    try:
        compile(code, filename, "exec", dont_inherit=True)
    except SyntaxError:
        raise original from None
    module.__dict__.setdefault("get_ipython", _ipython_shell(module).get_ipython)
    return code


def _compile_cell(entry, magics, module):
    """Compiles one code entry under its cell's name (see _cell_code)."""
    return compile(_cell_code(entry, magics, module), entry["filename"], "exec", dont_inherit=True)


def _user_traceback(error, cell_files):
    """The exception's traceback from its first frame in a cell on (None for a cell's SyntaxError,
    which Python shows by its own line and caret): what Python would show without the runtime."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename not in cell_files:
        tb = tb.tb_next
    if isinstance(error, SyntaxError) and error.filename in cell_files:
        return None
    return tb


def _user_error(error, cell_files):
    """Prints a user exception like Python does, minus the runtime's frames; returns its details."""
    import traceback

    tb = _user_traceback(error, cell_files)
    frames = []
    if isinstance(error, SyntaxError) and error.filename in cell_files:
        frames.append({"file": error.filename, "line": error.lineno, "function": "<module>"})
    entry = tb
    while entry is not None:
        code = entry.tb_frame.f_code
        if code.co_filename in cell_files:
            frames.append({"file": code.co_filename, "line": entry.tb_lineno, "function": code.co_name})
        entry = entry.tb_next
    _sys.stdout.flush()
    traceback.print_exception(type(error), error, tb)
    _sys.stderr.flush()
    last = frames[-1] if frames else {}
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    return dict(type=_type_name(error), message=text, cell=last.get("file"), line=last.get("line"), frames=frames)


# ---------------------------------------------------------------------------------------------
# Serialisers. Writers take the temporary path and return (serializer, extra manifest fields);
# they may fall back to pickle. Types are recognised without importing their libraries: a
# numpy array can only exist if numpy is already in sys.modules.


def _loaded(name):
    return _sys.modules.get(name)


# pandas objects. Default: the Arrow IPC file format (Feather v2), uncompressed. Like parquet it is
# a documented, library-neutral format that any pandas/pyarrow version (and other languages) can
# read, so steps with different images still exchange frames; unlike parquet it stores columns
# as they are in memory, so writing costs a copy into the page cache and reading, memory-mapped,
# one copy out of it (parquet encodes every page and decodes it again: about 3-7x slower here).
# CELLPIPE_PANDAS_FORMAT=parquet keeps writing parquet; =pickle writes pickle5 (below), fastest
# and exact for every pandas object, but tied to the pandas version that wrote it. Values Arrow
# cannot give back exactly are written as pickle5. Files of older runs (parquet) stay readable.
_PANDAS_FORMATS = {"arrow": "arrow", "parquet": "parquet", "pickle": "pickle5"}


def _format_for(value):
    np, pd, torch = _loaded("numpy"), _loaded("pandas"), _loaded("torch")
    if np is not None and type(value) is np.ndarray:
        return "pickle" if value.dtype.hasobject else "npy"
    if pd is not None and type(value) in (pd.DataFrame, pd.Series):
        return _PANDAS_FORMATS.get(_os.environ.get("CELLPIPE_PANDAS_FORMAT", "arrow"), "arrow")
    if torch is not None and isinstance(value, (torch.Tensor, torch.nn.Module)):
        return "torch"
    return "pickle"


def _estimated_size(value):
    pd = _loaded("pandas")
    if pd is not None and type(value) is pd.DataFrame:
        return int(value.memory_usage(deep=False).sum())
    if _format_for(value) in ("npy", "arrow", "parquet", "pickle5", "torch") or isinstance(value, (bytes, bytearray)):
        size = getattr(value, "nbytes", None)
        return size if isinstance(size, int) else len(value) if isinstance(value, (bytes, bytearray)) else 0
    return 0


def _npy_header(np, value):
    """The .npy header np.save would write for value, or None where only np.save can (format 3.0:
    field names beyond latin-1)."""
    fmt, out = np.lib.format, _io.BytesIO()
    for write_header in (fmt.write_array_header_1_0, fmt.write_array_header_2_0):  # 2.0: over 64 KiB
        try:
            write_header(out, fmt.header_data_from_array_1_0(value))
            return out.getvalue()
        except ValueError:
            continue
    return None


def _write_npy(target, value):
    import numpy as np

    header = _npy_header(np, value)
    with target.open() as f:
        if header is None or not (value.flags.c_contiguous or value.flags.f_contiguous):
            np.save(f, value, allow_pickle=False)  # copies the array in 16 MiB chunks
        else:
            # The array's memory as it is: np.save writes a Fortran-ordered array as its transpose,
            # which is the same memory.
            f.write(header)
            data = value if value.flags.c_contiguous else value.T
            f.write(data.reshape(-1).view(np.uint8) if data.size else b"")
    return "npy", {"shape": list(value.shape), "dtype": value.dtype.str}


def _read_npy(path, manifest):
    import numpy as np

    return np.load(path, allow_pickle=False)


def _arrow_dtype_ok(pd, series_or_index):
    """Whether Arrow (IPC or parquet) gives back exactly this dtype and these values (else: pickle)."""
    import numpy as np

    dtype = series_or_index.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind == "O":  # only all-str object columns: None/NaN/mixed would come back changed
            return pd.api.types.infer_dtype(series_or_index, skipna=False) == "string"
        return dtype.kind in "biumM" or (dtype.kind == "f" and dtype.itemsize >= 4)
    if isinstance(dtype, pd.CategoricalDtype):
        return _arrow_dtype_ok(pd, dtype.categories)
    if isinstance(dtype, (pd.StringDtype, pd.DatetimeTZDtype, getattr(pd, "ArrowDtype", ()))):
        return True
    # pandas' nullable numbers and booleans: Int64, UInt8, Float32, boolean...
    return dtype.kind in "biuf" and (dtype.name[0].isupper() or dtype.name == "boolean")


def _arrow_frame(pd, value):
    """The frame to store with Arrow, or None where Arrow would not give the value back."""
    frame = value.to_frame("__cellpipe_series__") if isinstance(value, pd.Series) else value
    if frame.attrs or isinstance(frame.columns, pd.MultiIndex) or not frame.columns.is_unique:
        return None
    if isinstance(frame.columns, pd.RangeIndex) or not all(isinstance(c, str) for c in frame.columns):
        return None  # (a RangeIndex here is DataFrame()'s empty one: it would come back as Index([]))
    index = frame.index
    if isinstance(index, pd.MultiIndex) or getattr(index, "freq", None) is not None:
        return None
    if not isinstance(index, pd.RangeIndex) and (not _arrow_dtype_ok(pd, index) or index.name in frame.columns):
        return None
    if not all(_arrow_dtype_ok(pd, frame.iloc[:, i]) for i in range(frame.shape[1])):
        return None
    return frame


def _arrow_table(pa, pd, frame):
    """pa.Table.from_pandas(frame) with the same schema and pandas metadata, minus its scan of
    every float column for NaN (to store as null), which costs more than writing the file: the
    float columns go in as they are, zero-copy, NaN stays NaN (payload included) and comes back
    as NaN. Frames with object columns take from_pandas (inferring their schema converts them)."""
    import numpy as np

    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    plain = [isinstance(c.dtype, np.dtype) and c.dtype.kind == "f" for c in columns]
    if not any(plain) or any(isinstance(c.dtype, np.dtype) and c.dtype.kind == "O" for c in columns + [frame.index]):
        return pa.Table.from_pandas(frame)
    schema = pa.Schema.from_pandas(frame)
    arrays = [
        pa.array(c.to_numpy(), type=schema.field(i).type)
        if plain[i]
        else pa.array(c, type=schema.field(i).type, from_pandas=True)
        for i, c in enumerate(columns)
    ]
    if len(schema) > len(arrays):  # the index, stored as a column (a RangeIndex is metadata only)
        arrays.append(pa.array(frame.index, type=schema.field(len(arrays)).type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def _arrow_to_pandas(pa, table, manifest, mapped=False):
    """The saved frame or Series back from an Arrow table (of a memory-mapped file if `mapped`)."""
    import pandas as pd

    meta = table.schema.pandas_metadata or {}
    frame = table.to_pandas()  # consolidated blocks of the frame's own (writable) memory
    if mapped and not isinstance(frame.index, pd.RangeIndex):
        frame.index = frame.index.copy(deep=True)  # an index can be a view of the mapped file
    # pandas 3 reads strings back as `str` even where the frame held them as object (values,
    # index or column labels); the metadata says which were object.
    if [c.get("numpy_type") for c in meta.get("column_indexes", [])] == ["object"] and frame.columns.dtype != object:
        frame.columns = frame.columns.astype(object)
    index_fields = [i for i in meta.get("index_columns", []) if isinstance(i, str)]
    for column in meta.get("columns", []):
        if column.get("numpy_type") != "object":
            continue
        if column.get("field_name") in index_fields:
            if frame.index.dtype != object:
                frame.index = frame.index.astype(object)
        elif column.get("name") in frame.columns and frame[column["name"]].dtype != object:
            frame[column["name"]] = frame[column["name"]].astype(object)
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):  # codes may be read-only views of Arrow memory
            frame[name] = frame[name].copy()
    if "seriesName" in manifest:
        return frame.iloc[:, 0].rename(manifest["seriesName"])
    return frame


def _arrow_input(pd, value):
    """(frame, manifest extra) to store with Arrow, or None: then pickle5 stores the value."""
    extra = {}
    if isinstance(value, pd.Series):
        if value.name is not None and type(value.name) not in (str, int, float, bool):
            return None
        extra["seriesName"] = value.name
    frame = _arrow_frame(pd, value)
    return None if frame is None else (frame, extra)


def _write_through_arrow(target, value, serializer, module, write, fallback):
    """The Arrow formats' common part: `write(pa, library, table)` with the value's Arrow table,
    `library` being the pyarrow module `module`; `fallback(target, value)` where Arrow would not give
    the value back exactly, or pyarrow is missing."""
    import importlib

    import pandas as pd

    try:
        import pyarrow as pa

        library = importlib.import_module(module)
    except ImportError:
        return fallback(target, value)
    found = _arrow_input(pd, value)
    if found is None:
        return fallback(target, value)
    frame, extra = found
    try:
        write(pa, library, _arrow_table(pa, pd, frame))
    except OSError:
        raise
    except (pa.ArrowException, ValueError, TypeError):
        return fallback(target, value)
    return serializer, extra


def _write_arrow(target, value):
    def write(pa, ipc, table):
        with target.open() as f, pa.PythonFile(f, mode="w") as sink, ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)

    return _write_through_arrow(target, value, "arrow", "pyarrow.ipc", write, _write_pickle5)


# The Arrow types that to_pandas copies into numpy memory: a table of only these can be read
# memory-mapped and no part of the frame keeps the file mapped afterwards (strings, categories
# and nested values can stay views of Arrow memory, so those files are read into memory).
def _copied_by_to_pandas(pa, type_):
    return (
        pa.types.is_integer(type_)
        or pa.types.is_floating(type_)
        or pa.types.is_boolean(type_)
        or pa.types.is_temporal(type_)
    )


def _read_arrow(path, manifest):
    import pyarrow as pa
    import pyarrow.ipc  # noqa: F401

    with pa.memory_map(path) as source:
        reader = pa.ipc.open_file(source)
        if all(_copied_by_to_pandas(pa, field.type) for field in reader.schema):
            # One copy, from the page cache straight into the frame's blocks.
            return _arrow_to_pandas(pa, reader.read_all(), manifest, mapped=True)
    with pa.OSFile(path) as source:
        return _arrow_to_pandas(pa, pa.ipc.open_file(source).read_all(), manifest)


def _write_parquet(target, value):
    def write(pa, pq, table):
        # Columns without nulls are declared required: parquet then writes no definition levels
        # (half the time of a float column).
        table = pa.Table.from_arrays(
            table.columns,
            schema=pa.schema(
                [f.with_nullable(f.nullable and table.column(i).null_count > 0) for i, f in enumerate(table.schema)],
                metadata=table.schema.metadata,
            ),
        )
        # Floats rarely compress or repeat: skip dictionary pages and compression for speed.
        dictionary = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
        with target.open() as f, pa.PythonFile(f, mode="w") as sink:
            pq.write_table(table, sink, compression="none", use_dictionary=dictionary or False, write_statistics=False)

    return _write_through_arrow(target, value, "parquet", "pyarrow.parquet", write, _write_pickle)


def _read_parquet(path, manifest):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # Memory-mapped: pages are decoded from the page cache, without reading them into a buffer first.
    return _arrow_to_pandas(pa, pq.read_table(path, memory_map=True), manifest)


def _write_torch(target, value):
    import torch

    torch.save(value, target.path)  # its zip writer may seek back: not the append-only writer of the others
    return "torch", {}


def _read_torch(path, manifest):
    import torch

    location = None if torch.cuda.is_available() else "cpu"
    try:
        return torch.load(path, map_location=location, weights_only=False)
    except TypeError:  # torch < 1.13 has no weights_only
        return torch.load(path, map_location=location)


def _main_global(obj):
    """Whether obj is a class defined by the cells, reachable as __main__.<qualname>."""
    if getattr(obj, "__module__", None) != "__main__":
        return False
    found = _sys.modules["__main__"]
    for part in getattr(obj, "__qualname__", "<").split("."):
        found = getattr(found, part, None)
    return found is obj


def _cloudpickle_dump(value, f):
    import cloudpickle

    class Pickler(cloudpickle.Pickler):
        # cloudpickle copies classes of __main__ by value, so `isinstance(x, Point)` would be
        # False in the loading step, which declares its own Point: keep those by reference.
        def reducer_override(self, obj):
            if isinstance(obj, type) and _main_global(obj):
                return NotImplemented
            return super().reducer_override(obj)

    Pickler(f, protocol=5).dump(value)


def _dill_dump(value, f):
    import dill

    dill.dump(value, f, protocol=5, byref=True, recurse=True)


class _NeedsByValue(Exception):
    """A function of the notebook's own: plain pickle would store only its name."""


class _Unpicklable(Exception):
    pass


def _pickle_dump(value, f, guard=True):
    import pickle

    class Pickler(pickle.Pickler):
        # Called only for objects other than None, bools, and exact ints, floats, strs, bytes,
        # lists, tuples, dicts and sets, so plain data pays almost nothing for the check.
        def reducer_override(self, obj):
            if type(obj).__name__ == "function" and obj.__module__ == "__main__":
                raise _NeedsByValue(obj.__qualname__)
            return NotImplemented

    (Pickler if guard else pickle.Pickler)(f, protocol=5).dump(value)


def _write_pickle(target, value):
    """Plain pickle first (fast, and cloudpickle is slow to import); cloudpickle, then dill, for
    what it cannot do: lambdas, local functions, and the notebook's functions, which they save
    by value so that a step that does not declare them can still call them."""
    import importlib.util

    attempts = [("pickle", _pickle_dump)]
    errors, needs_by_value = [], False
    while attempts:
        name, dump = attempts.pop(0)
        try:
            with target.open(buffering=_BUFFER) as f:
                dump(value, f)
            return name, {}
        except OSError:
            raise
        except Exception as e:  # pickling errors come as PicklingError, TypeError, AttributeError...
            if isinstance(e, _NeedsByValue):
                needs_by_value = True
            else:
                errors.append("%s: %s: %s" % (name, type(e).__name__, e))
        if name == "pickle" and dump is _pickle_dump:
            attempts = [
                (lib, dump)
                for lib, dump in (("cloudpickle", _cloudpickle_dump), ("dill", _dill_dump))
                if importlib.util.find_spec(lib) is not None
            ]
            if needs_by_value and not attempts:  # then by reference, as plain pickle does
                attempts = [("pickle", lambda v, f: _pickle_dump(v, f, guard=False))]
    raise _Unpicklable("; ".join(errors))


def _read_pickle(path, manifest):
    import pickle

    library = manifest["serializer"]
    if library == "dill":
        import dill as library_module
    else:
        library_module = pickle
        if library == "cloudpickle":
            import cloudpickle  # noqa: F401  (its pickles reference its functions)
    with open(path, "rb", buffering=_BUFFER) as f:
        return library_module.load(f)


def _write_all(write, data):
    """Writes all of data through an unbuffered `write` (one write() stops at 2 GiB on Linux)."""
    view = memoryview(data).cast("B")
    while view:
        view = view[write(view) :]


def _readinto_all(f, buffer):
    """Fills buffer from an unbuffered file (one read() stops at 2 GiB on Linux)."""
    view, filled = memoryview(buffer).cast("B"), 0
    while filled < len(view):
        count = f.readinto(view[filled:])
        if not count:
            raise EOFError("the value file is shorter than its manifest says")
        filled += count


def _write_pickle5(target, value):
    """Pickle protocol 5 with the large buffers (numpy memory of pandas blocks) kept out of the
    pickle stream and written raw after it, so saving and loading a frame cost about what writing
    and reading its memory costs. The manifest records the stream and buffer sizes. Anything the
    plain pickler refuses, and the notebook's own functions (which it would store by name only),
    go the ordinary pickle way."""
    import io
    import pickle

    buffers = []

    def out_of_band(buffer):
        try:
            buffers.append(buffer.raw())
            return False
        except BufferError:  # not contiguous: stays in the stream
            return True

    class Pickler(pickle.Pickler):
        def reducer_override(self, obj):
            if type(obj).__name__ == "function" and obj.__module__ == "__main__":
                raise _NeedsByValue(obj.__qualname__)
            return NotImplemented

    stream = io.BytesIO()
    try:
        Pickler(stream, protocol=5, buffer_callback=out_of_band).dump(value)
    except Exception:
        return _write_pickle(target, value)
    with target.open() as f:
        f.write(stream.getbuffer())
        for buffer in buffers:
            f.write(buffer)
    return "pickle5", {"pickleBytes": stream.tell(), "buffers": [b.nbytes for b in buffers]}


def _read_pickle5(path, manifest):
    # The buffers are numpy arrays where numpy is importable: np.empty memory is mapped lazily
    # (in huge pages), where bytearray(n) first zero-fills n bytes (3-4x slower for 1 GiB). numpy
    # rebuilds each array as a (writable) view of its buffer: the file is copied once into memory.
    import pickle

    try:
        import numpy as np
    except ImportError:
        np = None
    with open(path, "rb", buffering=0) as f:
        data = bytearray(manifest["pickleBytes"])
        _readinto_all(f, data)
        buffers = []
        for size in manifest["buffers"]:
            buffer = bytearray(size) if np is None else np.empty(size, np.uint8)
            _readinto_all(f, buffer)
            buffers.append(buffer)
    return pickle.loads(data, buffers=buffers)


_WRITERS = {
    "npy": _write_npy,
    "arrow": _write_arrow,
    "parquet": _write_parquet,
    "torch": _write_torch,
    "pickle": _write_pickle,
    "pickle5": _write_pickle5,
}
_READERS = {
    "npy": _read_npy,
    "arrow": _read_arrow,
    "parquet": _read_parquet,
    "torch": _read_torch,
    "pickle": _read_pickle,
    "cloudpickle": _read_pickle,
    "dill": _read_pickle,
    "pickle5": _read_pickle5,
}


# ---------------------------------------------------------------------------------------------
# Warming a forked process before its step (the local step launcher's spares, step_launcher.py)


class _MemoryValueFile:
    """A _ValueFile in memory, for _rehearse: what a writer wrote is `written` once it closed."""

    written = b""

    def open(self, buffering=0):
        target = self

        class Sink(_io.BytesIO):
            def close(self):
                if not self.closed:
                    target.written = self.getvalue()
                super().close()

        return Sink()


def _rehearse():
    """Takes the paths a step's values take (the writers and readers, the events' JSON) with small
    values of the libraries already imported, in memory. A process forked from the local step
    launcher copies each page of the launcher's memory it first writes to, reference counts
    included: a spare that runs this before it is handed a step (step_launcher.py, _Spare) has
    copied most of the pages its step's own load and save would, which then cost the step nothing
    (with pandas loaded: ~2,600 page copies, ~10 ms, down to ~450). It leaves nothing a step could
    see: no file, output, environment or random state is touched, nothing is imported (formats
    whose library is not loaded are left out), warnings are silenced, the garbage is collected."""
    import gc
    import pickle
    import warnings

    np, pd, pa = _loaded("numpy"), _loaded("pandas"), _loaded("pyarrow")
    values = [{"rehearsal": [1, 2.5, "text", None]}]
    if np is not None:
        values.append(np.arange(64.0))
        if pd is not None:
            values.append(pd.DataFrame({"count": np.arange(64), "mean": np.arange(64.0), "label": ["text"] * 64}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _json.loads(_dumps({"event": "rehearsal", "time": _now_iso()}))
        for value in values:
            serializer = _format_for(value)
            if serializer not in ("npy", "arrow", "pickle") or (
                serializer == "arrow" and _loaded("pyarrow.ipc") is None
            ):
                continue
            target = _MemoryValueFile()
            serializer, extra = _WRITERS[serializer](target, value)
            data = target.written
            if serializer == "npy":
                _read_npy(_io.BytesIO(data), extra)
            elif serializer == "arrow":
                _arrow_to_pandas(pa, pa.ipc.open_file(pa.BufferReader(data)).read_all(), extra, mapped=True)
            elif serializer == "pickle5":
                stream = extra["pickleBytes"]
                sizes = [stream] + extra["buffers"]
                ends = [sum(sizes[: i + 1]) for i in range(len(sizes))]
                pickle.loads(data[:stream], buffers=[data[start:end] for start, end in zip(ends, ends[1:])])
            else:
                pickle.loads(data)
    gc.collect()


def _unsaveable(value):
    """Why a value can never be passed between processes, or None. Checked before pickling
    because dill would otherwise 'save' an open file or a lock that cannot mean anything later."""
    cls = type(value)
    if isinstance(value, _io.IOBase):
        return "an open file or stream"
    if cls.__module__ in ("socket", "_socket", "ssl", "_thread", "threading", "multiprocessing.synchronize"):
        return "an operating system resource"
    if cls.__module__ == "builtins" and cls.__name__ in (
        "generator",
        "coroutine",
        "async_generator",
        "frame",
        "traceback",
    ):
        return "a live " + cls.__name__
    return None


# ---------------------------------------------------------------------------------------------
# The step


def _torch_random_state(torch):
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_torch_random_state(torch, state):
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# Global random generators whose state is carried between steps: (module, get, set).
_RANDOM_STATES = {
    "random": ("random", lambda m: m.getstate(), lambda m, state: m.setstate(state)),
    "numpy": ("numpy", lambda m: m.random.get_state(), lambda m, state: m.random.set_state(state)),
    "torch": ("torch", _torch_random_state, _set_torch_random_state),
}


class _Step:
    def __init__(self, spec, events):
        self.spec, self.events = spec, events
        self.name = spec["step"]
        root = _os.environ.get("CELLPIPE_DATA_DIR")
        if not root:
            raise _StepError("environment", "CELLPIPE_DATA_DIR is not set: it must name the run's data folder")
        self.root = _os.path.abspath(root)  # the cells may chdir
        # A fan-out instance keeps its values apart, for the gather (cellpipe_fanout.py); so does a
        # distributed step's worker other than rank 0, which saves nothing (cellpipe_distributed.py).
        self.item = _fan_item(spec)  # noqa: F821
        self.rank = _dist_rank(spec)  # noqa: F821
        folder = spec["stepDir"]
        if self.item is not None:
            folder = _fan_instance_folder(folder, self.item)  # noqa: F821
        elif self.rank:
            folder = _dist_folder(folder, self.rank)  # noqa: F821
        self.folder = _os.path.join(self.root, folder)
        self.seconds = {"load": 0.0, "run": 0.0, "save": 0.0}
        self.outputs, self.metrics = {}, {}

    def prepare(self):
        """Removes what an earlier attempt of this step left, so a failure now cannot leave
        stale outputs that a later step would accept."""
        _os.makedirs(self.folder, exist_ok=True)
        stale = {_STEP_FILE, _METRICS_FILE}
        for name in self.spec.get("outputs", []):
            stale.add(name + _MANIFEST_SUFFIX)
            stale.update(name + ext for ext in _SERIALIZER_EXT.values())
        stale.update(_RANDOM_STATE_FILE % generator for generator in self.spec.get("randomStates", []))
        # One listing instead of a removal per name that may exist (a first attempt finds none).
        for entry in _os.listdir(self.folder):
            if entry in stale or entry.startswith(".cellpipe.tmp-"):
                _remove(_os.path.join(self.folder, entry))

    # -- inputs

    def load(self, entry, namespace):
        name, folder = entry["name"], entry["fromStepDir"]
        producer = entry.get("fromStep") or folder
        base = _os.path.join(self.root, folder, name)
        redo = "Re-run step %r (or the whole pipeline), then this one." % producer

        def fail(problem):
            raise _StepError(
                "input",
                "cannot load input %r from step %r: %s. %s" % (name, producer, problem, redo),
                name=name,
                fromStepDir=folder,
            )

        started = _time.perf_counter()
        try:
            with open(base + _MANIFEST_SUFFIX, encoding="utf-8") as f:
                manifest = _json.load(f)
        except FileNotFoundError:
            fail("it is missing (no %s)" % (base + _MANIFEST_SUFFIX))
        except (OSError, ValueError) as e:
            fail("its manifest is unreadable (%s)" % e)
        serializer = manifest.get("serializer") if isinstance(manifest, dict) else None
        if serializer not in _READERS:
            fail("its manifest names an unknown serializer %r" % (serializer,))
        path = _os.path.join(self.root, folder, manifest.get("file", ""))
        if _os.path.dirname(_os.path.abspath(path)) != _os.path.join(self.root, folder):
            fail("its manifest points outside the step's folder")
        try:
            st = _os.stat(path)
        except OSError:
            fail("its data file %s is missing" % path)
        size = st.st_size
        if size != manifest.get("size"):
            fail("its data file is %d bytes, the manifest says %s" % (size, manifest.get("size")))
        if "crc32" in manifest:
            # Skipped only for the very file the checksum was computed on, as it was then: any
            # write, copy (a cache restore), link or replacement changes its identity (the idea of
            # git's index, which does not hash files whose stat is unchanged). A same-size damage
            # in place still fails here.
            if manifest.get("fileIdentity") != _file_identity(st) and _crc32(path) != manifest["crc32"]:
                fail("its data file does not match the manifest's crc32 (it was damaged after it was written)")
        elif manifest.get("sha256") and _sha256(path) != manifest["sha256"]:
            fail("its data file does not match the manifest's sha256")
        try:
            value = _READERS[serializer](path, manifest)
        except ImportError as e:
            fail(
                "it was saved with %s, which this step's Python cannot import (%s); install it in "
                "the step's environment" % (serializer, e)
            )
        except AttributeError as e:
            fail(
                "it refers to something this step does not define (%s); declare it in a cell tagged "
                "`imports` or `functions`" % e
            )
        except Exception as e:
            fail("it could not be read (%s: %s)" % (type(e).__name__, e))
        namespace[name] = value
        seconds = _time.perf_counter() - started
        self.seconds["load"] += seconds
        self.events.emit(
            "input-loaded",
            name=name,
            fromStepDir=folder,
            serializer=serializer,
            type=manifest.get("type"),
            bytes=size,
            seconds=round(seconds, 6),
        )

    def restore_random_state(self, entry):
        """Gives a global random generator the state the step before this one left it in."""
        generator, folder = entry["generator"], entry["fromStepDir"]
        producer = entry.get("fromStep") or folder
        path = _os.path.join(self.root, folder, _RANDOM_STATE_FILE % generator)
        module_name, _, set_state = _RANDOM_STATES[generator]
        try:
            import pickle

            with open(path, "rb") as f:
                state = pickle.load(f)
            set_state(__import__(module_name), state)
        except Exception as e:
            raise _StepError(
                "input",
                "cannot restore the state of %s's random generator from step %r (%s: %s). Re-run step %r "
                "(or the whole pipeline), then this one." % (generator, producer, type(e).__name__, e, producer),
                name=generator,
                fromStepDir=folder,
            ) from None

    def save_random_state(self, generator):
        """Saves a global random generator's state for the next step that may draw from it."""
        module_name, get_state, _ = _RANDOM_STATES[generator]
        started = _time.perf_counter()
        try:
            import pickle

            data = pickle.dumps(get_state(__import__(module_name)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            raise _StepError(
                "output",
                "cannot save the state of %s's random generator (%s: %s)" % (generator, type(e).__name__, e),
                name=generator,
            ) from None

        def write(tmp):
            with open(tmp, "wb") as f:
                f.write(data)

        _atomic_write(_os.path.join(self.folder, _RANDOM_STATE_FILE % generator), write)
        self.seconds["save"] += _time.perf_counter() - started

    # -- outputs

    def save(self, name, value):
        step = self.name
        if isinstance(value, type(_sys)):
            self.events.warning(
                "output-skipped",
                "output %s is a module: modules are code, not data, and are never saved" % name,
                name=name,
            )
            return
        reason = _unsaveable(value)
        if reason:
            self._unsaveable(name, value, reason)
        started = _time.perf_counter()
        fmt = _format_for(value)

        # The extension is the writer's final choice (parquet may fall back to pickle).
        def path(result):
            return _os.path.join(self.folder, name + _SERIALIZER_EXT[result[0]])

        path.folder = self.folder
        written = []

        def write(tmp):
            written.append(_ValueFile(tmp))
            return _WRITERS[fmt](written[-1], value)

        try:
            final, (serializer, extra) = _atomic_write(path, write, large=_estimated_size(value) >= _SYNC_WHILE_WRITING)
        except _Unpicklable as e:
            self._unsaveable(name, value, "it cannot be pickled (%s)" % e)
        except OSError as e:
            raise _StepError("output", "cannot write output %r of step %r: %s" % (name, step, e), name=name) from e
        st = _os.stat(final)
        size, crc = st.st_size, written[-1].checksum(st.st_size)
        manifest = {
            "version": SPEC_VERSION,
            "name": name,
            "file": _os.path.basename(final),
            "type": _type_name(value),
            "serializer": serializer,
            "size": size,
            "crc32": _crc32(final) if crc is None else crc,
            # A load skips the crc32 pass while the file is the one written here, unchanged.
            "fileIdentity": _file_identity(st),
            "python": "%d.%d.%d" % _sys.version_info[:3],
            "createdAt": _now_iso(),
            "pipeline": self.spec["pipeline"],
            "step": step,
        }
        manifest.update(extra)
        _write_json_file(_os.path.join(self.folder, name + _MANIFEST_SUFFIX), manifest)
        seconds = _time.perf_counter() - started
        self.seconds["save"] += seconds
        self.outputs[name] = manifest
        self.events.emit(
            "output-saved",
            name=name,
            file=manifest["file"],
            serializer=serializer,
            type=manifest["type"],
            bytes=size,
            seconds=round(seconds, 6),
        )

    def _unsaveable(self, name, value, reason):
        hint = ""
        if "lambda" in reason or "local object" in reason or "function" in reason:
            hint = " Installing cloudpickle in the step's Python lets functions and lambdas be saved."
        raise _StepError(
            "output",
            "output %r of step %r is a %s, which cannot be passed to other steps: %s. "
            "Steps exchange variables as data: %s.%s" % (name, self.name, _type_name(value), reason, _REMEDY, hint),
            name=name,
            type=_type_name(value),
        )

    # -- metrics

    def collect_metrics(self, namespace):
        np = _loaded("numpy")
        for name in self.spec.get("metrics", []):
            if name not in namespace:
                self.events.warning("metric-unbound", "metric %s is not bound after the step ran" % name, name=name)
                continue
            value = namespace[name]
            if (
                np is not None
                and (isinstance(value, np.generic) or (type(value) is np.ndarray and value.ndim == 0))
                and value.dtype.kind in "biuf"
            ):
                value = value.item()
            if type(value) not in (bool, int, float):
                self.events.warning(
                    "metric-type",
                    "metric %s is a %s, not a number; not reported" % (name, _type_name(value)),
                    name=name,
                )
                continue
            if value != value or value in (float("inf"), float("-inf")):
                self.events.warning("metric-not-finite", "metric %s is %r; reported as null" % (name, value), name=name)
                value = None
            self.metrics[name] = value
        if self.spec.get("metrics"):
            _write_json_file(_os.path.join(self.folder, _METRICS_FILE), self.metrics)
            self.events.emit("metrics", metrics=self.metrics)

    def write_result(self, status, started, error=None):
        finished = _time.time()
        self.seconds["total"] = finished - started
        _write_json_file(
            _os.path.join(self.folder, _STEP_FILE),
            {
                "version": SPEC_VERSION,
                "pipeline": self.spec["pipeline"],
                "step": self.name,
                "stepDir": self.spec["stepDir"],
                "status": status,
                "startedAt": _now_iso(started),
                "finishedAt": _now_iso(finished),
                "outputs": self.outputs,
                "metrics": self.metrics,
                "seconds": {k: round(v, 6) for k, v in self.seconds.items()},
                "error": error,
                "python": "%d.%d.%d" % _sys.version_info[:3],
            },
        )


def _on_sigterm(signum, frame):
    raise _Terminated()


def _failure(error):
    """The exit code and the error record of an exception that ended the step."""
    if isinstance(error, _StepError):
        return error.exit_code, dict(kind=error.kind, message=error.message, **error.fields)
    if isinstance(error, KeyboardInterrupt):
        return _EXIT_CODES["interrupted"], {"kind": "interrupted", "message": "interrupted (SIGINT)"}
    if isinstance(error, _Terminated):
        return _EXIT_CODES["terminated"], {"kind": "terminated", "message": "terminated (SIGTERM)"}
    import traceback

    return _EXIT_CODES["internal"], {
        "kind": "internal",
        "message": "cellpipe runtime error: %s: %s" % (type(error).__name__, error),
        "traceback": "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    }


def _execute(step, spec, events):
    parameters = _resolve_parameters(spec.get("parameters", {}), events, set(spec.get("floatParameters", [])))
    events.emit("parameters", values=parameters)
    module = _new_main_module()
    namespace = module.__dict__
    namespace.update(parameters)
    if step.item is not None:
        namespace["__cellpipe_item__"] = _fan_selector(step.item, spec["fanOut"]["over"])  # noqa: F821
    cell_files = {e["filename"] for e in spec["plan"] if e["kind"] == "code"}
    cells = [e for e in spec["plan"] if e["kind"] == "code" and e.get("role") == "cell" and "cell" in e]
    # What each cell shows (cellpipe_outputs.py, after this source in the runtime file), for the
    # cells that say which notebook cell they are.
    outputs = None
    if cells and _outputs_enabled():  # noqa: F821
        outputs = _StepOutputs(spec["step"], step.folder, events, [e["source"] for e in cells])  # noqa: F821
    if outputs is not None:
        outputs.start(module)
    try:
        _run_plan(step, spec, module, cell_files, outputs)
    finally:
        if outputs is not None:
            outputs.stop()
    _sys.stdout.flush()
    if step.rank:
        return  # a worker other than rank 0: rank 0 saves the step's values
    results = set(spec.get("results", []))
    for name in spec.get("outputs", []):
        if name in results:
            _save_result(step, name, namespace)
            continue
        if name not in namespace:
            raise _StepError(
                "output",
                "output %r of step %r is not bound after the step's cells ran, so "
                "the steps that need it cannot load it" % (name, step.name),
                name=name,
            )
        step.save(name, namespace[name])
    for generator in spec.get("randomStates", []):
        step.save_random_state(generator)
    _fan_write_item_lists(step, spec, namespace)  # noqa: F821
    step.collect_metrics(namespace)
    if spec.get("serve"):
        _serve_save(step, spec["serve"], namespace)  # noqa: F821


def _run_plan(step, spec, module, cell_files, outputs):
    """Runs the plan's entries in order; a cell's outputs are captured when `outputs` is given."""
    namespace = module.__dict__
    magics = spec.get("magics", "error")
    loop_cell = spec["fanOut"]["cell"] if step.item is not None else None
    for entry in spec["plan"]:
        if entry["kind"] == "load":
            step.load(entry, namespace)
            continue
        if entry["kind"] == "random":
            step.restore_random_state(entry)
            continue
        shown = outputs is not None and entry.get("role") == "cell" and "cell" in entry
        t0 = _time.perf_counter()
        try:
            if shown:
                outputs.start_cell(entry["cell"])
                if entry["cell"] == loop_cell:
                    statements, last = _fan_loop_code(_cell_code(entry, magics, module), entry["filename"]), None  # noqa: F821
                else:
                    statements, last = _last_expression(_cell_code(entry, magics, module), entry["filename"])  # noqa: F821
                exec(statements, namespace)
                value = None if last is None else eval(last, namespace)
                if value is not None:
                    outputs.result(value)
                outputs.finish_cell()
            elif entry.get("cell", -1) == loop_cell:
                exec(_fan_loop_code(_cell_code(entry, magics, module), entry["filename"]), namespace)  # noqa: F821
            else:
                exec(_compile_cell(entry, magics, module), namespace)
        except (_StepError, _Terminated, KeyboardInterrupt):
            if shown:
                outputs.finish_cell("error")
            raise
        except BaseException as e:  # SystemExit included: in a notebook it stops Run All too
            if shown:
                # The error is the cell's `error` output; its traceback, printed below, is the log's only.
                outputs.error(e, cell_files)
                outputs.finish_cell("error")
            details = _user_error(e, cell_files)
            # from None: _user_error has already printed the user's exception, without the runtime's frames.
            raise _StepError("user", details.pop("message"), **details) from None
        finally:
            step.seconds["run"] += _time.perf_counter() - t0


def _save_result(step, name, namespace):
    """Saves a result: an output kept only to be looked at (no step loads it). One that is not
    bound, or cannot be saved, is a warning and never fails the step: Run All saves nothing."""
    if name not in namespace:
        step.events.warning("result-not-saved", "result %s is not bound after the step ran" % name, name=name)
        return
    try:
        step.save(name, namespace[name])
    except _StepError as e:
        step.events.warning("result-not-saved", "result %s is not saved: %s" % (name, e.message), name=name)


def _run(spec, events, started):
    _check_spec(spec)
    step = _Step(spec, events)
    step.prepare()
    events.emit("started", pipeline=spec["pipeline"], stepDir=spec["stepDir"], pid=_os.getpid(), python=_sys.executable)
    try:
        _execute(step, spec, events)
    except BaseException as e:
        step.write_result("Failed", started, _failure(e)[1])
        raise
    step.write_result("Succeeded", started)
    events.emit("finished", status="Succeeded", seconds={k: round(v, 6) for k, v in step.seconds.items()})


def main(spec):
    """Runs one step, then exits the process with the step's exit code (see the contract above)."""
    started = _time.time()
    events = None
    try:
        if isinstance(spec, str):
            spec = _json.loads(spec)
        events = _Events(spec.get("step") if isinstance(spec, dict) else None)
        _sys.argv = [_sys.argv[0] if _sys.argv and _sys.argv[0] else "cellpipe-step"]
        # Like a kernel, imports resolve from the working directory, not from the scripts' folder.
        script = _os.path.abspath(_sys.argv[0])
        if _sys.path and _sys.path[0] in (_os.path.dirname(script), _os.path.dirname(_os.path.realpath(script))):
            _sys.path[0] = _os.getcwd()
        for stream in (_sys.stdout, _sys.stderr):
            try:
                stream.reconfigure(line_buffering=True)  # live logs
            except (AttributeError, ValueError):
                pass
        import signal

        signal.signal(signal.SIGTERM, _on_sigterm)
        if isinstance(spec, dict) and _fan_gathering(spec):  # noqa: F821
            _fan_gather(spec, events, started)  # noqa: F821
        else:
            _run(spec, events, started)
        code = _EXIT_CODES["succeeded"]
    except BaseException as e:
        code, record = _failure(e)
        (events or _Events(None)).emit("failed", **record)
    _sys.stdout.flush()
    _sys.stderr.flush()
    raise SystemExit(code)
