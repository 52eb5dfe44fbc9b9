# cellpipe step launcher: a fork server for the local backend (see forkServer.ts).
#
# Starting a step as `python -u step.py` costs ~45 ms of CPU before the user's first line: the
# interpreter (~11 ms), importing json/re/pickle (~20 ms) and importing the 40 KB runtime
# file the run's step scripts share (~10 ms to compile it). Four steps starting at once on two
# cores queue for that CPU. This process pays it once per run: it starts with the step's
# interpreter, imports the standard-library modules the runtime uses and, before forking the
# first step, the run's runtime file (as the module every step script looks for in sys.modules),
# then forks one child per step. The child becomes what `python -u step.py` would be (own process
# group, stdin /dev/null, stdout and stderr the step's log, cwd, environment, sys.argv,
# sys.path[0], a fresh __main__) and executes the same step.py file, top to bottom.
#
# What a child shares with its siblings, unlike separate interpreters: the modules imported below
# (standard library only, so nothing the user can observe but `sys.modules`) and the hash seed of
# str (as all cells of one kernel do under Run All). `random` reseeds itself in a forked child.
#
# Protocol: JSON lines. Requests on fd 0 (read with os.read, never through sys.stdin, which each
# child points at /dev/null), replies on fd 3:
#   {"preload": [MODULE, ...]}                           import ahead the modules (of _PRELOADABLE)
#                                                        the run's steps import, as the analysis found
#   -> {"preloaded": [MODULE, ...], "seconds"}
#   -> {"restart": WHY, "preload": BOOL}  then exits: importing printed something (a step must
#                                         print it itself: start again without preloading), or a
#                                         preloaded library changed on disk (start again, preload)
#   {"id", "script", "cwd", "env": {..}, "log",          start a step; first import the run's
#    "runtime": {"module", "path", "cache"},             runtime file as `module` (once per path
#    "spares": N}                                        and mtime) when it exists, its compiled
#                                                        code kept by content in the folder `cache`;
#                                                        "spares": how many more of the run's steps
#                                                        may be asked for at once, so keep that many
#                                                        forked and warmed ahead (_SparePool)
#   -> {"id", "pid"}            the child exists and leads its own process group
#   -> {"id", "error"}          it could not be started
#   -> {"id", "code", "signal"} it ended: exit code, or the signal's name (code null)
# A step request may say "after": {"id": N, "result": PATH}: it is held until request N's process
# (a step this launcher started) has ended, then started only if that step succeeded as the runner
# judges it (exit status 0, and PATH, its completion record, says "Succeeded"); otherwise
#   -> {"id", "dropped": WHY}   it was not started (the runner schedules it as any other step)
# so a step whose only unfinished dependency runs starts the moment that one ends, without the
# round trip through the runner (which hears of ends one by one, and records each first).
# End of input stops the launcher. The runner closes it with no step running; when it ends with
# steps still running, the runner died (killed, crashed): those steps are ended with it, each
# step's process group (what the step's code started too) sent SIGTERM, then SIGKILL after
# _GRACE_SECONDS, so that nothing keeps writing into a run that is reported failed. (They are this
# process's unreaped children: their pids cannot have been reused.)
import gc
import json
import os
import select
import signal
import sys
import types

if sys.version_info < (3, 9):  # os.waitstatus_to_exitcode; the backend then spawns each step
    sys.exit("the step launcher needs Python 3.9 or later")

# The runtime imports these lazily; importing them here makes them free in every step. Not
# threading (the runtime's writer of large values uses it): a step that needs it imports it, and
# ~1 ms of every run's start is spared.
import builtins  # noqa: F401
import importlib.util  # noqa: F401
import io  # noqa: F401
import linecache  # noqa: F401
import pickle  # noqa: F401
import re  # noqa: F401
import time  # noqa: F401
import zlib  # noqa: F401

REQUESTS, REPLIES = 0, 3


def _reply(message):
    data = (json.dumps(message) + "\n").encode()
    try:
        while data:
            data = data[os.write(REPLIES, data) :]
    except OSError:
        pass  # the runner is gone: no one to tell (its steps are ended, see _end_steps)


def _requests(poller, wakeup, timeout):
    """Yields each request line, and None each time it is about to wait for more (the caller may
    prepare meanwhile), and again after timeout() seconds without any (None: no limit); reaps
    children (replying their exits) while waiting."""
    buffered = b""
    while True:
        yield from _due_held()
        yield None
        seconds = timeout()
        for fd, _ in poller.poll(None if seconds is None else seconds * 1000):
            if fd == wakeup:
                try:
                    os.read(wakeup, 4096)
                except BlockingIOError:
                    pass
                continue
            chunk = os.read(REQUESTS, 1 << 16)
            if not chunk:
                return
            buffered += chunk
            *lines, buffered = buffered.split(b"\n")
            for line in lines:
                if line.strip():
                    yield json.loads(line)
        _reap()
        yield from _due_held()


_children = {}  # pid -> id of the request it runs
_ended = {}  # request id -> wait status, of the children reaped (what a held request waits for)
_held = []  # requests whose "after" step has not ended yet, in the order they came


def _reap():
    while _children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        request_id = _children.pop(pid, None)
        if request_id is None:
            continue
        _ended[request_id] = status
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = "SIG%d" % number
            _reply({"id": request_id, "code": None, "signal": name})
        else:
            _reply({"id": request_id, "code": os.waitstatus_to_exitcode(status), "signal": None})


def _still_running(after):
    """Whether the step a held request waits for (its "after") is a process of this launcher's still."""
    return after.get("id") in _children.values()


def _succeeded(after):
    """For a request held for another (its "after"): None while that step's process runs, else
    whether that step succeeded as the runner judges it (status 0 and a completion record saying
    so); False for a request this launcher never started (no process of it to wait for)."""
    if _still_running(after):
        return None
    status = _ended.get(after.get("id"))
    if status is None or not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        return False
    try:
        with open(after["result"], "rb") as f:
            return json.load(f).get("status") == "Succeeded"
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return False


def _due_held():
    """Takes out of _held, in order, the requests whose "after" step has ended (the serve loop then
    reads that step's completion record, once)."""
    due = [request for request in _held if not _still_running(request["after"])]
    for request in due:
        _held.remove(request)
    return due


# Libraries imported ahead of the steps, when the steps of a run import them. They are
# used with multiprocessing's fork everywhere and start nothing at import that a fork would break
# (OpenBLAS, under numpy and scipy, re-creates its threads in a forked child). Others (torch,
# tensorflow, polars, ...) are left to each step: they are not all safe to fork after import.
_PRELOADABLE = frozenset(["numpy", "scipy", "pandas", "pyarrow", "sklearn", "statsmodels"])
# Libraries whose values and figures a step shows through IPython's display formatter (the
# runtime's cellpipe_outputs.py makes IPython's shell then): IPython's shell module is imported
# ahead for them (pure Python, nothing started at import). Not matplotlib itself: it reads
# MPLBACKEND, which the step sets, at import.
_SHOWN_THROUGH_IPYTHON = frozenset(["pandas", "matplotlib", "seaborn", "plotly", "IPython", "altair", "bokeh"])


class _Preloader:
    """Imports libraries the steps will import, in this process, once; children inherit them."""

    def __init__(self):
        self.stamps = {}  # top-level package -> (folder, mtime_ns) when it was imported

    def stale(self):
        """A preloaded package whose folder changed since (pip upgraded it), or None."""
        for name, (folder, stamp) in self.stamps.items():
            try:
                if os.stat(folder).st_mtime_ns != stamp:
                    return name
            except OSError:
                return name
        return None

    def wanted(self, modules):
        """Of the modules the steps import (the analysis's list, empty when a step may set the
        environment a library reads at import), those of _PRELOADABLE, and the runtime's own pandas
        reader and writer (pyarrow) when pandas is one: every step that loads a DataFrame imports
        pandas, whether or not its code says so. `from sklearn import svm` arrives as
        "sklearn.svm"; a name that is not a module (`from numpy import array`) imports its package."""
        found = set(n for n in modules if isinstance(n, str) and n.partition(".")[0] in _PRELOADABLE)
        if any(n.partition(".")[0] == "pandas" for n in found):
            # (pandas_compat: what pyarrow imports on its first conversion to or from pandas.)
            found.update(["pyarrow", "pyarrow.ipc", "pyarrow.pandas_compat"])
        if any(isinstance(n, str) and n.partition(".")[0] in _SHOWN_THROUGH_IPYTHON for n in modules):
            found.add("IPython.core.interactiveshell")
        return sorted(found)

    def load(self, names):
        """Imports `names`; returns (imported, text they printed)."""
        import importlib
        import tempfile

        imported = []
        with tempfile.TemporaryFile() as capture:
            saved = os.dup(1), os.dup(2)
            os.dup2(capture.fileno(), 1)
            os.dup2(capture.fileno(), 2)
            try:
                for name in names:
                    try:
                        importlib.import_module(name)
                        imported.append(name)
                    except ModuleNotFoundError as e:
                        if e.name == name:  # a name, not a module, in its package (imported by now)
                            imported.append(name.rpartition(".")[0])
                    except Exception:
                        pass  # the step that imports it fails (or copes) on its own
                    top = sys.modules.get(name.partition(".")[0])
                    folder = os.path.dirname(getattr(top, "__file__", None) or "")
                    if folder and top.__name__ not in self.stamps:
                        self.stamps[top.__name__] = (folder, os.stat(folder).st_mtime_ns)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
            capture.seek(0)
            printed = capture.read().decode("utf-8", "replace")
        gc.collect()
        return imported, printed


def _preload(preloader, modules):
    """Handles a preload request; returns False when the launcher must stop (it said why)."""
    changed = preloader.stale()
    if changed:
        _reply({"restart": "%s changed on disk since it was imported here" % changed, "preload": True})
        return False
    started = time.perf_counter()
    missing = [n for n in preloader.wanted(modules) if n not in sys.modules]
    # Nothing to import (the standard library only, or all of it imported by now): no capture file,
    # no collection, on the way to the first step.
    imported, printed = preloader.load(missing) if missing else ([], "")
    if imported:
        global _generation
        _generation += 1
    if printed:
        _reply({"restart": "importing %s printed: %s" % (", ".join(imported), printed.strip()[:500]), "preload": False})
        return False
    _reply(
        {
            "preloaded": sorted(n for n in sys.modules if n.partition(".")[0] in _PRELOADABLE and "." not in n),
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return True


_runtime_stamp = None  # (path, mtime_ns, size) of the runtime file imported here
_runtime_name = None  # the module name the runtime file is imported as
# Counts the changes of what a forked child inherits (modules imported since): a spare forked
# before the last one is out of date.
_generation = 0


def _runtime_code(path, cache):
    """The runtime file's code object. Each run has its own copy of the file (in its data folder),
    so Python's own __pycache__ never serves a second run; compiling it costs ~14 ms, on the path
    to a run's first step. Kept by content in `cache` (a folder of cellpipe's cache home), as
    Python keeps .pyc files, and given the run's file name for tracebacks as importlib does."""
    import _imp
    import marshal

    with open(path, "rb") as f:
        source = f.read()
    cached = None
    if cache:
        # Python's own key of hash-based .pyc files (SipHash of the source), with the size.
        key = "%s-%d" % (importlib.util.source_hash(source).hex(), len(source))
        cached = os.path.join(cache, "runtime-%s-%s.bin" % (sys.implementation.cache_tag, key))
        try:
            with open(cached, "rb") as f:
                code = marshal.loads(f.read())
            _imp._fix_co_filename(code, path)
            return code
        except (OSError, ValueError, EOFError, TypeError):
            pass
    code = compile(source, path, "exec", dont_inherit=True)
    if cached:
        try:
            os.makedirs(cache, mode=0o700, exist_ok=True)
            temporary = "%s.%d.tmp" % (cached, os.getpid())
            with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
                f.write(marshal.dumps(code))
            os.replace(temporary, cached)
        except OSError:
            pass  # no cache this time
    return code


def _import_runtime(runtime):
    """Imports the run's runtime file as module runtime["module"], unless it is imported already
    from the same unchanged file; a step script then finds it in sys.modules. A file that cannot
    be read or run is left to the step, which reports it."""
    global _runtime_stamp, _runtime_name, _generation
    name, path = runtime["module"], runtime["path"]
    try:
        st = os.stat(path)
    except OSError:
        return
    stamp = (path, st.st_mtime_ns, st.st_size)
    if stamp == _runtime_stamp and name in sys.modules:
        return
    sys.modules.pop(name, None)
    _runtime_stamp = None
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        exec(_runtime_code(path, runtime.get("cache")), module.__dict__)
    except Exception:
        return
    sys.modules[name] = module
    _runtime_stamp, _runtime_name = stamp, name
    _generation += 1


class _Spare:
    """A child forked ahead of the run's next step, while the launcher waits, and warmed for it.

    A forked child copies each page of the launcher's memory it first writes to, reference counts
    included: with pandas loaded, a trivial step took ~2,600 such faults (~10 ms) in the runtime's
    own paths, and the fork itself ~5 ms (copying the page tables of ~180 MB), all on the run's
    critical path. A spare does both ahead: forked when the launcher is idle, it runs the runtime's
    _rehearse (its value paths, on small values, in memory: the same pages), says it is ready and
    waits for a step's request, then becomes that step as a child forked for it would. A spare
    not ready yet is not waited for (the step is forked as before), and one forked before the
    launcher imported more (a preload, another runtime file) is discarded: it would lack them."""

    def __init__(self, pid, requests, ready):
        self.pid, self.generation = pid, _generation
        self._requests, self._ready, self._is_ready = requests, ready, False

    def launcher_fds(self):
        return (self._requests, self._ready)

    def poll(self):
        """Where it is: "ready" (warmed), "warming", or "gone" (it died, or it is out of date)."""
        if self.generation != _generation:
            return "gone"
        if not self._is_ready:
            try:
                said = os.read(self._ready, 1)
            except BlockingIOError:
                return "warming"
            if said != b"r":
                return "gone"
            self._is_ready = True
        return "ready"

    def hand(self, request):
        """Gives it the step's request; False if it is gone."""
        data = (json.dumps(request) + "\n").encode()
        try:
            while data:
                data = data[os.write(self._requests, data) :]
            return True
        except OSError:
            return False
        finally:
            self.close()

    def close(self):
        """Lets it go: without a request, it exits (reaped as any child)."""
        for fd in self.launcher_fds():
            os.close(fd)


# A step forked less than this long ago is taken to be starting (copying the pages it writes,
# loading its inputs): it needs a core, which a spare warming would take.
_STARTING_SECONDS = 0.02
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
# A bound on the spares kept, whatever the runner asks: each holds its own copy of the pages it wrote.
_MAX_SPARES = 8


class _SparePool:
    """The spares (_Spare) of the run's next steps: as many as the last step's request said may be
    asked for at once ("spares": the steps not started whose dependencies have, up to the run's
    workers). With four branches of two steps, the four second steps are asked for together when
    the first four end: one spare sped up one of them, and the run waited for the other three.

    A spare is forked only while fewer steps than cores were forked in the last _STARTING_SECONDS
    (a step handed to a spare has started already). Forked at once after a burst of steps, the
    spares' warming slowed those steps' start on the run's critical path. After a single step, as in
    a chain, the spare is forked at once, while that step runs."""

    def __init__(self):
        self.spares = []
        self.wanted = 0
        self._forked = []  # monotonic times of the steps forked lately

    def forked(self):
        """Records that a step was forked (not handed to a spare, which has started already)."""
        self._forked.append(time.monotonic())

    def want(self, count):
        """Keeps `count` spares from now on; lets go of any beyond."""
        self.wanted = max(0, min(int(count), _MAX_SPARES))
        while len(self.spares) > self.wanted:
            self.spares.pop().close()

    def take(self):
        """A ready spare, taken out of the pool, or None (none warmed yet: the step is forked)."""
        self._discard_gone()
        for spare in self.spares:
            if spare.poll() == "ready":
                self.spares.remove(spare)
                return spare
        return None

    def delay(self):
        """Seconds until the next spare may be forked (0: now), or None when no more is wanted."""
        self._discard_gone()
        if len(self.spares) >= self.wanted or _runtime_stamp is None:
            return None
        now = time.monotonic()
        self._forked = [t for t in self._forked if now - t < _STARTING_SECONDS]
        if len(self._forked) < _CORES:
            return 0
        return max(0.0, self._forked[-_CORES] + _STARTING_SECONDS - now)

    def add(self, spare):
        self.spares.append(spare)

    def stop(self):
        """Forking a spare failed: none more for now (steps are forked when asked)."""
        self.wanted = 0

    def launcher_fds(self):
        return tuple(fd for spare in self.spares for fd in spare.launcher_fds())

    def _discard_gone(self):
        kept = []
        for spare in self.spares:
            if spare.poll() == "gone":
                spare.close()
            else:
                kept.append(spare)
        self.spares = kept


def _await_request(requests, ready):
    """A spare's life before its step (in the child): warm up, say so, read the request; exits
    at end of input (the launcher discarded it or ended)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):  # nothing of the warming reaches the runner; the step opens its own log
        os.dup2(devnull, fd)
    os.close(devnull)
    rehearse = getattr(sys.modules.get(_runtime_name), "_rehearse", None)
    if rehearse is not None:
        try:
            rehearse()
        except Exception:
            pass  # only a warming: the step does what it does either way
    buffered = b""
    try:
        os.write(ready, b"r")
        os.close(ready)
        while not buffered.endswith(b"\n"):
            chunk = os.read(requests, 1 << 16)
            if not chunk:
                os._exit(0)
            buffered += chunk
    except OSError:  # the launcher let it go while it was warming
        os._exit(0)
    os.close(requests)
    return json.loads(buffered)


def _serve():
    """The launcher's loop. Returns the request of a step in a forked child; None when input ends."""
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_read, False)
    os.set_blocking(wakeup_write, False)
    signal.set_wakeup_fd(wakeup_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    poller = select.poll()  # (not selectors: importing it was ~1 ms of every run's start)
    poller.register(REQUESTS, select.POLLIN)
    poller.register(wakeup_read, select.POLLIN)
    preloader = _Preloader()
    pool = _SparePool()

    def fork(keep=()):
        """os.fork(); in the child, leaves the launcher's loop behind (its descriptors but `keep`)."""
        # Objects that exist now are never collected in the children, so their collections (and
        # the one at exit) do not touch, and so copy, the memory they share with this process.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for fd in (wakeup_read, wakeup_write, REPLIES) + pool.launcher_fds():
                if fd not in keep:
                    os.close(fd)  # fd 0 stays open until /dev/null replaces it
        else:
            try:
                os.setpgid(pid, pid)  # the child does it too: whichever runs first, the group exists now
            except OSError:
                pass  # the child already exec'd its own setpgid or has exited
        return pid

    for request in _requests(poller, wakeup_read, pool.delay):
        if request is None:  # about to wait: a spare for the run's next steps, if one is due
            if pool.delay() == 0:
                requests, ready = os.pipe(), os.pipe()
                try:
                    pid = fork(keep=(requests[0], ready[1]))
                except OSError:
                    pid = None  # no spare: steps are forked when asked
                if pid == 0:
                    os.close(requests[1])
                    os.close(ready[0])
                    return _await_request(requests[0], ready[1])
                os.close(requests[0])
                os.close(ready[1])
                if pid is None:
                    os.close(requests[1])
                    os.close(ready[0])
                    pool.stop()
                else:
                    os.set_blocking(ready[0], False)
                    pool.add(_Spare(pid, requests[1], ready[0]))
            continue
        if "preload" in request:
            if not _children and not _preload(preloader, request["preload"]):
                return None
            continue
        after = request.get("after")
        if after is not None:
            succeeded = _succeeded(after)
            if succeeded is None:
                _held.append(request)
                pool.want(max(pool.wanted, len(_held)))  # a spare warmed for it meanwhile
                continue
            if not succeeded:
                _reply({"id": request["id"], "dropped": "the step it waited for did not succeed"})
                continue
        if request.get("runtime"):
            _import_runtime(request["runtime"])
        pid, spare = None, pool.take()
        if spare is not None:
            pid = spare.pid if spare.hand(request) else None
        if pid is None:
            try:
                pid = fork()
            except OSError as e:
                _reply({"id": request["id"], "error": "cannot start the step: %s" % e})
                continue
            if pid == 0:
                return request
            pool.forked()
        pool.want(max(request.get("spares") or 0, len(_held)))
        _children[pid] = request["id"]
        _reply({"id": request["id"], "pid": pid})
        _reap()
    return None


def _become_step(request):
    """Turns this forked child into `python -u SCRIPT` as the backend would have started it."""
    os.setpgid(0, 0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    script = os.path.abspath(request["script"])
    sys.argv[:] = [script]
    sys.path[0] = os.path.dirname(script)
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    return script, main


def _execute(script, module):
    with open(script, "rb") as f:
        source = f.read()
    exec(compile(source, script, "exec", dont_inherit=True), module.__dict__)


def _exit_code(exit):
    """The status `raise SystemExit(code)` gives a process, printing a non-integer code as Python does."""
    if exit.code is None:
        return 0
    if isinstance(exit.code, int):
        return exit.code & 0xFF
    try:
        sys.stderr.write("%s\n" % (exit.code,))
    except Exception:
        pass
    return 1


def _finish(code):
    """Ends a step's process as the interpreter's exit would, minus tearing down the modules this
    launcher imported before forking: that teardown touches, and so copies, every page the child
    shares with the launcher (~80 ms with pandas and scikit-learn loaded). What a step can observe
    of an exit still happens: non-daemon threads are joined, atexit functions run (logging's
    flush, weakref.finalize, libraries' own), the step's own objects are finalized (its namespace
    cleared and its garbage collected, so an unclosed file is flushed), stdout and stderr flushed."""
    threading = sys.modules.get("threading")  # as CPython's exit: no threads to join unless imported
    if threading is not None:
        shutdown = getattr(threading, "_shutdown", None)
        if shutdown is None:  # not CPython as we know it: the interpreter's own exit
            raise SystemExit(code)
        shutdown()
    import atexit

    atexit._run_exitfuncs()
    for module in {sys.modules.get("__main__"), _step_module}:
        if module is not None:  # as the interpreter clears __main__: __builtins__ last
            namespace = module.__dict__
            kept = namespace.get("__builtins__")
            namespace.clear()
            if kept is not None:
                namespace["__builtins__"] = kept
    gc.collect()  # only the step's objects: the launcher's are frozen
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


_GRACE_SECONDS = 3.0


def _signal_steps(number):
    for pid in list(_children):
        try:
            os.killpg(pid, number)
        except OSError:
            pass  # its group is gone already


def _exited(pid):
    """Whether a child has ended, leaving it unreaped (its pid, and so its group's id, stays taken)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _end_steps():
    """Ends the steps still running when input ended (the runner died): SIGTERM to each step's
    process group; once every step has ended, or after _GRACE_SECONDS, SIGKILL to each group (what
    the steps started and left behind), then reaps them. No step is reaped before its group is
    signalled, so each group id is still the step's."""
    if not _children:
        return
    _signal_steps(signal.SIGTERM)
    deadline = time.monotonic() + _GRACE_SECONDS
    while time.monotonic() < deadline and not all(_exited(pid) for pid in _children):
        time.sleep(0.02)
    _signal_steps(signal.SIGKILL)
    while _children:
        try:
            pid, _status = os.waitpid(-1, 0)
        except ChildProcessError:
            return
        _children.pop(pid, None)


_step_module = None


def _launcher_main():
    global _step_module
    served = _serve()
    if served is None:
        _end_steps()
        return
    script, _step_module = _become_step(served)
    try:
        _execute(script, _step_module)
        code = 0
    except SystemExit as e:
        code = _exit_code(e)
    except KeyboardInterrupt:
        raise  # the interpreter ends with the SIGINT status, as it would have
    except BaseException as e:
        # Uncaught: reported as Python reports it, without this file's frames, and exit status 1.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_globals is globals():
            tb = tb.tb_next
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        code = 1
    _finish(code)


if __name__ == "__main__":  # run by `python -c` (launcherCommand.ts); imported by its tests
    _launcher_main()
