# cellpipe step launcher: a fork server for the local backend (see forkServer.ts).
#
# Starting a step as `python -u step.py` costs ~45 ms of CPU before the user's first line: the
# interpreter (~11 ms), importing json/re/pickle/hashlib (~20 ms) and compiling the 40 KB
# runtime every step script embeds (~10 ms). Four steps starting at once on two cores queue for
# that CPU. This process pays it once per run: it starts with the step's interpreter, imports the
# standard-library modules the runtime uses, compiles the runtime, then forks one child per step.
# The child becomes what `python -u step.py` would be (own process group, stdin /dev/null,
# stdout and stderr the step's log, cwd, environment, sys.argv, sys.path[0], a fresh __main__) and
# executes the same step.py file, top to bottom, in one namespace.
#
# What a child shares with its siblings, unlike separate interpreters: the modules imported below
# (standard library only, so nothing the user can observe but `sys.modules`) and the hash seed of
# str (as all cells of one kernel do under Run All). `random` reseeds itself in a forked child.
#
# Protocol: JSON lines. Requests on fd 0 (read with os.read, never through sys.stdin, which each
# child points at /dev/null), replies on fd 3:
#   {"runtime": TEXT}                                    first request: the runtime source the
#                                                        step scripts embed (compiled once here)
#   {"id", "script", "cwd", "env": {..}, "log"}          start a step
#   -> {"id", "pid"}            the child exists and leads its own process group
#   -> {"id", "error"}          it could not be started
#   -> {"id", "code", "signal"} it ended: exit code, or the signal's name (code null)
# End of input stops the launcher at once; running steps go on, as they would after their parent
# died (the backend finds and kills such leftovers on retry).
import gc
import json
import os
import selectors
import signal
import sys
import types

if sys.version_info < (3, 9):   # os.waitstatus_to_exitcode; the backend then spawns each step
    sys.exit("the step launcher needs Python 3.9 or later")

# The runtime imports these lazily; importing them here makes them free in every step.
import builtins  # noqa: F401
import hashlib  # noqa: F401
import importlib.util  # noqa: F401
import io  # noqa: F401
import linecache  # noqa: F401
import pickle  # noqa: F401
import re  # noqa: F401
import threading  # noqa: F401
import time  # noqa: F401
import traceback  # noqa: F401

REQUESTS, REPLIES = 0, 3


def _reply(message):
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(REPLIES, data):]


def _requests(selector, wakeup):
    """Yields each request line; reaps children (replying their exits) while waiting."""
    buffered = b""
    while True:
        for key, _ in selector.select():
            if key.fileobj == wakeup:
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


_children = {}


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
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = "SIG%d" % number
            _reply({"id": request_id, "code": None, "signal": name})
        else:
            _reply({"id": request_id, "code": os.waitstatus_to_exitcode(status), "signal": None})


def _serve():
    """The launcher's loop. Returns (request, runtime) in a forked child; None when input ends."""
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_read, False)
    os.set_blocking(wakeup_write, False)
    signal.set_wakeup_fd(wakeup_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    selector = selectors.DefaultSelector()
    selector.register(REQUESTS, selectors.EVENT_READ)
    selector.register(wakeup_read, selectors.EVENT_READ)
    runtime = None
    for request in _requests(selector, wakeup_read):
        if "runtime" in request:
            runtime = _Runtime(request["runtime"])
            continue
        # Objects that exist now are never collected in the children, so their collections (and
        # the one at exit) do not touch, and so copy, the memory they share with this process.
        gc.freeze()
        try:
            pid = os.fork()
        except OSError as e:
            _reply({"id": request["id"], "error": "cannot start the step: %s" % e})
            continue
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            selector.close()
            for fd in (wakeup_read, wakeup_write, REPLIES):
                os.close(fd)   # fd 0 stays open until /dev/null replaces it
            return request, runtime
        try:
            os.setpgid(pid, pid)   # the child does it too: whichever runs first, the group exists now
        except OSError:
            pass   # the child already exec'd its own setpgid or has exited
        _children[pid] = request["id"]
        _reply({"id": request["id"], "pid": pid})
        _reap()
    return None


class _Runtime:
    """The runtime's code, compiled once. A step script is its comment header, this text verbatim,
    then `main(...)`; scripts that embed it are executed with this code object for that part."""

    def __init__(self, text):
        self.text = text
        self.code = compile(text, "<cellpipe runtime>", "exec", dont_inherit=True)
        self.by_place = {}

    def placed(self, filename, first_line):
        """The compiled runtime as if compiled from `filename` starting at line `first_line`."""
        key = (filename, first_line)
        if key not in self.by_place:
            self.by_place[key] = _relocated(self.code, filename, first_line - 1)
        return self.by_place[key]


def _relocated(code, filename, line_offset):
    # co_lines/co_positions are relative to co_firstlineno in 3.10+ line tables, so shifting
    # co_firstlineno of every code object moves all its lines.
    consts = tuple(_relocated(c, filename, line_offset) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_filename=filename, co_firstlineno=code.co_firstlineno + line_offset,
                        co_consts=consts)


def _become_step(request):
    """Turns this forked child into `python -u SCRIPT` as the backend would have started it."""
    os.setpgid(0, 0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
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


def _execute(script, module, runtime):
    with open(script, "rb") as f:
        source = f.read().decode("utf-8")
    namespace = module.__dict__
    at = source.find(runtime.text) if runtime is not None else -1
    if at < 0:
        exec(compile(source, script, "exec", dont_inherit=True), namespace)
        return
    # Top-level statements run in order in one namespace, so running the file's three parts one
    # after the other is running the file; each part keeps the file's name and line numbers.
    before, after = source[:at], source[at + len(runtime.text):]
    lines_before = before.count("\n")
    exec(compile(before, script, "exec", dont_inherit=True), namespace)
    exec(runtime.placed(script, lines_before + 1), namespace)
    lines_through = lines_before + runtime.text.count("\n")
    exec(compile("\n" * lines_through + after, script, "exec", dont_inherit=True), namespace)


def _launcher_main():
    served = _serve()
    if served is None:
        return
    request, runtime = served
    script, module = _become_step(request)
    try:
        _execute(script, module, runtime)
    except (SystemExit, KeyboardInterrupt):
        raise   # the interpreter ends as it would have (exit code; SIGINT status)
    except BaseException as e:
        # Uncaught: reported as Python reports it, without this file's frames, and exit status 1.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_globals is globals():
            tb = tb.tb_next
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        raise SystemExit(1)


_launcher_main()
