"""The "Run All" reference of the execution-equivalence tests.

Runs a notebook's code cells top to bottom in ONE Python process and ONE namespace, as a kernel's
Run All does, and records what each cell printed. The pipeline run of the same notebook must print,
step by step, what these cells printed (see equivalence.ts).

    python run_all.py REQUEST.json RESULT.json

REQUEST: {"cells": [{"index": int, "source": str, "parameters": bool}], "overrides": {name: value},
          "floats": [name]}
  cells are the code cells to run, in notebook order (markdown and `skip` cells left out by the
  caller). After a parameters cell runs, the overrides replace its values, as a run's parameters do
  (a whole number given for a parameter declared as a float, `C = 1.0`, is bound as a float).
RESULT: {"outputs": {index: text}, "error": null | {"cell": index, "message": str}}

Output is captured at the file-descriptor level (stdout and stderr into one file per cell, as the
local backend's step log interleaves them), so output of C code and subprocesses counts too. Like
the step runtime, the value of a cell's last expression is not displayed. Cells with IPython syntax
(magics, shell commands) go through IPython's transformer, as the step runtime does.
"""

import json
import linecache
import os
import sys
import tempfile
import traceback
import types


def new_main_module():
    """A fresh __main__ like a kernel's (classes defined by the cells are __main__.X)."""
    import builtins

    module = types.ModuleType("__main__")
    module.__dict__.update(__builtins__=builtins, __spec__=None, __loader__=None, __package__=None)
    sys.modules["__main__"] = module
    return module


def compile_cell(source, filename, module):
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        return compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError:
        pass
    from IPython.core.inputtransformer2 import TransformerManager
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config, user_module=module, user_ns=module.__dict__)
    module.__dict__.setdefault("get_ipython", shell.get_ipython)
    return compile(TransformerManager().transform_cell(source), filename, "exec", dont_inherit=True)


class CapturedFds:
    """Points fds 1 and 2 at one temporary file while a cell runs."""

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.file = tempfile.TemporaryFile()
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)
        return self

    def __exit__(self, *exc):
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in self.saved:
            os.close(fd)
        self.file.seek(0)
        self.text = self.file.read().decode("utf-8", "replace")
        self.file.close()


def main(request_path, result_path):
    with open(request_path, encoding="utf-8") as f:
        request = json.load(f)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)
    module = new_main_module()
    namespace = module.__dict__
    outputs, error = {}, None
    for cell in request["cells"]:
        filename = "<cell %d>" % cell["index"]
        with CapturedFds() as captured:
            try:
                exec(compile_cell(cell["source"], filename, module), namespace)
            except BaseException as e:  # SystemExit too: it stops Run All
                traceback.print_exception(type(e), e, e.__traceback__.tb_next)
                error = {"cell": cell["index"], "message": "%s: %s" % (type(e).__name__, e)}
        outputs[str(cell["index"])] = captured.text
        if error:
            break
        if cell.get("parameters"):
            floats = set(request.get("floats", []))
            namespace.update(
                {
                    name: float(value) if name in floats else value
                    for name, value in request.get("overrides", {}).items()
                }
            )
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump({"outputs": outputs, "error": error}, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
