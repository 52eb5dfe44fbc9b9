# cellpipe cell outputs: what Jupyter would show under each cell of a step.
#
# Part of the runtime file (after cellpipe_runtime.py, before the step entry): it uses the
# runtime's helpers (_write_json_file, _now_iso, _type_name, _ipython_shell). Standard library
# only at import time; IPython and matplotlib are used only when the step's code uses them.
#
# While a cell of the step runs (a plan entry of role "cell", which carries its notebook index
# `cell`), its outputs are recorded in nbformat 4 form, as a kernel would send them:
#   - stream     what the code writes to sys.stdout and sys.stderr, consecutive writes to one
#                stream as one output; the step's log still receives every byte, unchanged
#   - execute_result  the cell's last expression, by IPython's rule (the last top-level statement
#                is an expression, not ended by `;`, whose value is not None), formatted as
#                IPython formats it (execution_count null: the service numbers cells)
#   - display_data    display() (also the builtin a kernel provides), update_display, clear_output,
#                and matplotlib figures, as the inline backend shows them at the end of a cell
#   - error      the exception that stopped the cell
# After each cell the step's document (CELL_OUTPUTS_FILE: {version, step, cells: [records]}) is
# written again, atomically, and a "cell-outputs" event names the cell. CELLPIPE_OUTPUTS=0 turns
# all of it off.
#
# IPython is used where it is importable and the step needs it: its shell is made (about 90 ms)
# before the first cell when the step's code names display, IPython, matplotlib and the like, else
# when a last expression's value is not an int, float, bool or str (their text is their repr).
# Without IPython: display() is cellpipe's own (text/plain from repr, plus the object's
# _repr_html_, _repr_png_... methods), and matplotlib figures are shown by a backend of its own
# with the inline backend's settings.
#
# Caps (a note in the cell says what was cut): one stream output keeps its first _TEXT_CAP
# characters (1 MiB; the log has all of them), a MIME type's data over _DATA_CAP characters (8 MiB)
# is left out; the whole document stays under CELLPIPE_OUTPUTS_LIMIT bytes (pods: 64 KiB at most, so
# it travels back in the step's result), else _DOCUMENT_CAP (32 MiB: the service sends it to the
# browser), the largest outputs being replaced by notes. Data that JSON cannot hold as such is
# written as a kernel sends it: bytes in base64, NaN and infinities as their repr.

# CPython's syntax tree classes and the compiler's flag for them, without the `ast` module over
# them: its Python half (visitors, unparse...) cost ~2 ms of every local run's start, on the
# launcher's way to the first step, and ~5 ms of every step on a cluster (a fresh interpreter).
import _ast
import re as _re

_OUTPUTS_FILE = ".outputs.json"
_TEXT_CAP = 1 << 20
_DATA_CAP = 8 << 20
_DOCUMENT_CAP = 32 << 20
# Compiled with the runtime (once per run by the local backend's launcher, not in every step).
_NEEDS_IPYTHON = _re.compile(
    r"\b(display|IPython|get_ipython|clear_output|update_display|matplotlib|pyplot|plt|seaborn|sns|plotly|"
    r"altair|bokeh|HTML|Markdown|Image)\b|^\s*%",
    _re.M,
)
# A backend of cellpipe's own for matplotlib where the inline backend cannot be used.
_INLINE_BACKEND = "cellpipe_inline_backend"


def _outputs_enabled():
    return _os.environ.get("CELLPIPE_OUTPUTS", "1") != "0"


class _CapturedStream:
    """sys.stdout or sys.stderr while a step runs: everything goes to the real stream (the step's
    log) as before, and a copy to the running cell's outputs."""

    def __init__(self, name, stream, capture):
        self._name, self._stream, self._capture = name, stream, capture

    def write(self, text):
        written = self._stream.write(text)
        if isinstance(text, str) and text:
            self._capture.stream(self._name, text)
        return written

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _StreamText:
    """The text of the stream output being written to. Kept as a list of pieces, joined when the
    cell's record is settled: appending to one string would copy it at every write (quadratic in
    a loop of prints). Up to _TEXT_CAP characters are kept, the rest counted for the note."""

    __slots__ = ("output", "pieces", "kept", "cut")

    def __init__(self, output):
        self.output, self.pieces, self.kept, self.cut = output, [], 0, 0

    def append(self, text):
        room = _TEXT_CAP - self.kept
        if len(text) <= room:
            self.pieces.append(text)
            self.kept += len(text)
            return
        if room > 0:
            self.pieces.append(text[:room])
            self.kept = _TEXT_CAP
        self.cut += len(text) - max(room, 0)

    def settle(self):
        """Writes the text into the output (its note too, when some was cut)."""
        text = "".join(self.pieces)
        self.pieces = [text]
        if self.cut:
            text += "\n[cellpipe: %d more characters of %s are in the step's log]\n" % (self.cut, self.output["name"])
        self.output["text"] = text


class _StepOutputs:
    """The outputs of one step's cells, and the document they are written to."""

    def __init__(self, step, folder, events, sources):
        self.step, self.events = step, events
        self.path = _os.path.join(folder, _OUTPUTS_FILE)
        self.records = []
        self.current = None  # the running cell's outputs
        self.clear_pending = False
        self.displays = {}  # display_id -> [(cell, output)]
        self.updated = set()  # earlier cells whose displays the running cell updated
        self.writing = None  # the _StreamText of the last output, while it is a stream
        self.module = None
        self.shell = None
        self.shell_tried = False
        self.wants_shell = _NEEDS_IPYTHON.search("\n".join(sources)) is not None
        limit = _os.environ.get("CELLPIPE_OUTPUTS_LIMIT", "")
        # What the note of an output left out says: the limit, and the variable when a pod's set it.
        if limit.isdigit():
            self.limit = int(limit)
            self.limit_reason = "a step keeps %d KiB of outputs (CELLPIPE_OUTPUTS_LIMIT)" % (self.limit >> 10)
        else:
            self.limit = _DOCUMENT_CAP
            self.limit_reason = "a step keeps %d MiB of outputs" % (self.limit >> 20)
        self.streams = None

    # -- the step ------------------------------------------------------------------------------

    def start(self, module):
        """Before the plan runs: the document emptied (a retried step's old cells go), streams
        captured, IPython's shell made if the step's code needs it, matplotlib's backend chosen."""
        self.module = module
        self.write()
        self.streams = (_sys.stdout, _sys.stderr)
        _sys.stdout = _CapturedStream("stdout", _sys.stdout, self)
        _sys.stderr = _CapturedStream("stderr", _sys.stderr, self)
        if self.wants_shell and self.ipython() is None:
            import builtins

            # A kernel's builtin, for a step without IPython.
            builtins.__dict__.setdefault("display", self.plain_display)
        if "MPLBACKEND" not in _os.environ:
            # What ipykernel sets in a kernel, the step's code sees it too.
            inline = self.shell is not None and _module_exists("matplotlib_inline")
            _os.environ["MPLBACKEND"] = (
                "module://matplotlib_inline.backend_inline" if inline else "module://" + _INLINE_BACKEND
            )
            if not inline:
                _install_inline_backend(self)

    def stop(self):
        if self.streams:
            _sys.stdout, _sys.stderr = self.streams
            self.streams = None

    def ipython(self):
        """IPython's shell with this capture as its display publisher, or None without IPython."""
        if self.shell_tried:
            return self.shell
        self.shell_tried = True
        try:
            shell = _ipython_shell(self.module)
            shell.display_pub = _publisher_class()(shell=shell, outputs=self)
        except ImportError:
            return None
        self.module.__dict__.setdefault("get_ipython", shell.get_ipython)
        self.shell = shell
        return shell

    # -- one cell ------------------------------------------------------------------------------

    def start_cell(self, cell):
        self.current = []
        self.clear_pending = False
        self.writing = None
        self.record = {
            "cell": cell,
            "status": "ok",
            "startedAt": _now_iso(),
            "finishedAt": None,
            "outputs": self.current,
        }

    def finish_cell(self, status="ok"):
        """Shows what matplotlib has left open (as a kernel does after each cell), records the cell
        and writes the document."""
        if self.current is None:
            return
        if status == "ok":
            self.flush_figures()
        self.settle_stream()
        outputs = self.current
        self.current = None
        self.record.update(status=status, finishedAt=_now_iso(), outputs=outputs)
        self.records.append(self.record)
        self.write()
        self.events.emit("cell-outputs", cell=self.record["cell"])
        # update_display() changed what earlier cells show: they are announced again.
        for cell in sorted(self.updated - {self.record["cell"]}):
            self.events.emit("cell-outputs", cell=cell)
        self.updated.clear()

    def settle_stream(self):
        if self.writing is not None:
            self.writing.settle()
            self.writing = None

    def add(self, output):
        if self.current is None:
            return
        self.settle_stream()
        if self.clear_pending:
            del self.current[:]
            self.clear_pending = False
        self.current.append(output)

    def stream(self, name, text):
        """A write to stdout or stderr: consecutive writes to one stream are one output, as a
        kernel sends them (text kept as written, \\r and all: the front end renders it)."""
        if self.current is None:
            return
        writing = self.writing
        if writing is None or writing.output["name"] != name or self.clear_pending:
            output = {"output_type": "stream", "name": name, "text": ""}
            self.add(output)
            writing = self.writing = _StreamText(output)
        writing.append(text)

    def display(self, data, metadata=None, display_id=None, update=False):
        output = {"output_type": "display_data", "data": _capped(_encoded(data)), "metadata": metadata or {}}
        if update:
            for cell, shown in self.displays.get(display_id, []):
                shown["data"], shown["metadata"] = output["data"], output["metadata"]
                self.updated.add(cell)
            return
        if self.current is None:
            return
        if display_id is not None:
            self.displays.setdefault(display_id, []).append((self.record["cell"], output))
        self.add(output)

    def plain_display(self, *objects, **kwargs):
        """display() without IPython: each object's bundle from its own _repr_*_ methods."""
        for value in objects:
            if kwargs.get("raw"):
                self.display(value)
            else:
                self.display(_plain_format(value), display_id=kwargs.get("display_id"))

    def clear(self, wait=False):
        if self.current is None:
            return
        if wait:
            self.clear_pending = True
        else:
            self.settle_stream()
            del self.current[:]

    def result(self, value):
        data, metadata = self.format(value)
        if data:
            self.add(
                {
                    "output_type": "execute_result",
                    "data": _capped(_encoded(data)),
                    "metadata": metadata,
                    "execution_count": None,
                }
            )

    def error(self, error, cell_files):
        """The error output of an exception, its traceback from the first frame of the notebook's
        code on (a kernel shows no frame of its own either; the log leaves them out too)."""
        import traceback

        tb = _user_traceback(error, cell_files)
        self.add(
            {
                "output_type": "error",
                "ename": type(error).__name__,
                "evalue": str(error),
                # One entry a frame, without its newline: front ends join the entries with one (IPython's form).
                "traceback": [entry.rstrip("\n") for entry in traceback.format_exception(type(error), error, tb)],
            }
        )

    def format(self, value):
        """A value's MIME bundle and metadata, as IPython's display formatter makes them. A number,
        bool or str needs no shell: its text is its repr (unless the step's shell, made for other
        reasons, was told otherwise: %precision, a formatter of the user's)."""
        if type(value) in (int, float, bool, str) and self.shell is None:
            return {"text/plain": repr(value)}, {}
        shell = self.ipython()
        if shell is not None:
            return shell.display_formatter.format(value)
        return _plain_format(value), {}

    def flush_figures(self):
        """Figures left open at the end of a cell, shown and closed: the inline backend's job
        (IPython's post_execute event) or cellpipe's own."""
        pyplot = _sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        if self.shell is not None and _os.environ.get("MPLBACKEND", "").endswith("matplotlib_inline.backend_inline"):
            self.shell.events.trigger("post_execute")
            return
        _show_figures(self, pyplot)

    # -- the document --------------------------------------------------------------------------

    def write(self):
        document = {"version": 1, "step": self.step, "cells": self.records}
        data = _document_bytes(document)
        if len(data) > self.limit:
            data = _document_bytes(_within_limit(document, self.limit, self.limit_reason))

        def write(tmp):
            with open(tmp, "wb") as f:
                f.write(data)

        _atomic_write(self.path, write)


def _module_exists(name):
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _document_bytes(document):
    """The document as UTF-8 JSON, whatever the outputs hold: what strict JSON cannot (NaN,
    objects) as a kernel's message packer makes it (jupyter_client's json_clean), a lone surrogate
    as its JSON escape. Showing a value never fails the step."""
    try:
        text = _dumps(document)
    except ValueError:  # NaN or an infinity
        text = _dumps(_json_clean(document))
    return (text + "\n").encode("utf-8", "backslashreplace")


def _json_clean(value):
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return repr(value)
    if isinstance(value, dict):
        return {key: _json_clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_clean(item) for item in value]
    return value


def _encoded(data):
    """The bundle with binary data (IPython's formatters give a `_repr_png_`'s bytes as they are,
    e.g. a PIL image's) in base64 text, as the kernel sends it (ipykernel's encode_images)."""
    if not any(isinstance(value, bytes) for value in data.values()):
        return data
    import base64

    return {
        mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
        for mime, value in data.items()
    }


def _capped(data):
    """A MIME bundle without the types whose data is too large to keep, and a note saying so."""
    kept, cut = {}, []
    for mime, value in data.items():
        size = len(value) if isinstance(value, str) else len(_json.dumps(value, default=str))
        if size > _DATA_CAP and mime != "text/plain":
            cut.append("%s (%d KiB)" % (mime, size >> 10))
        else:
            kept[mime] = value
    if cut:
        plain = kept.get("text/plain", "")
        kept["text/plain"] = (plain + "\n" if plain else "") + "[cellpipe: not kept, too large: %s]" % ", ".join(cut)
    return kept


def _plain_format(value):
    """display()'s bundle without IPython: the object's own _repr_*_ methods, and its repr; a
    matplotlib figure as the PNG IPython's formatter would make of it."""
    data = {"text/plain": repr(value)}
    figure = _sys.modules.get("matplotlib.figure")
    if figure is not None and isinstance(value, figure.Figure):
        png = _figure_png(value)
        if png is not None:
            data["image/png"] = png
    for mime, method in (
        ("text/html", "_repr_html_"),
        ("text/markdown", "_repr_markdown_"),
        ("image/svg+xml", "_repr_svg_"),
        ("image/png", "_repr_png_"),
        ("image/jpeg", "_repr_jpeg_"),
        ("text/latex", "_repr_latex_"),
        ("application/json", "_repr_json_"),
    ):
        represent = getattr(value, method, None)
        if not callable(represent) or isinstance(value, type):
            continue
        try:
            shown = represent()
        except Exception:  # noqa: BLE001 - IPython's formatters ignore a failing _repr_*_ too
            continue
        if isinstance(shown, tuple):  # (data, metadata)
            shown = shown[0]
        if isinstance(shown, bytes):
            import base64

            shown = base64.b64encode(shown).decode("ascii")
        if shown is not None:
            data[mime] = shown
    return data


def _within_limit(document, limit, reason):
    """The document with its largest outputs replaced by notes (saying `reason`) until its JSON fits
    in `limit` bytes (the records given are left as they are)."""
    size = len(_document_bytes(document))
    if size <= limit:
        return document
    cells = [dict(record, outputs=list(record["outputs"])) for record in document["cells"]]
    # An output's JSON is the same text alone as in the document: sizes add up.
    places = [
        (len(_document_bytes(output)) - 1, record, i) for record in cells for i, output in enumerate(record["outputs"])
    ]
    places.sort(key=lambda place: -place[0])
    for output_size, record, i in places:
        # The document on the volume is this one too: only a stream's text is kept elsewhere.
        where = "; its text is in the step's log" if record["outputs"][i].get("output_type") == "stream" else ""
        note = {
            "output_type": "stream",
            "name": "stderr",
            "text": "[cellpipe: an output of %d KiB is left out: %s%s]\n" % (output_size >> 10, reason, where),
        }
        record["outputs"][i] = note
        size += len(_document_bytes(note)) - 1 - output_size
        if size <= limit:
            break
    return dict(document, cells=cells)


_publisher = None


def _publisher_class():
    """IPython's DisplayPublisher sending to the running cell's outputs (made once IPython is imported)."""
    global _publisher
    if _publisher is None:
        from IPython.core.displaypub import DisplayPublisher

        class _Publisher(DisplayPublisher):
            def __init__(self, shell=None, outputs=None, **kwargs):
                super().__init__(shell=shell, **kwargs)
                self.outputs = outputs

            def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
                display_id = (transient or {}).get("display_id")
                self.outputs.display(data, metadata, display_id=display_id, update=update)

            def clear_output(self, wait=False):
                self.outputs.clear(wait)

        _publisher = _Publisher
    return _publisher


def _figure_png(figure):
    """A figure as the inline backend prints it (IPython's print_figure: tight box, the figure's
    dpi and colours), base64; None for an empty figure, which a kernel does not show either."""
    if not figure.axes and not figure.lines:
        return None
    import base64
    import io

    buffer = io.BytesIO()
    figure.canvas.print_figure(
        buffer,
        format="png",
        facecolor=figure.get_facecolor(),
        edgecolor=figure.get_edgecolor(),
        dpi=figure.dpi,
        bbox_inches="tight",
    )
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _show_figures(outputs, pyplot):
    """Every open figure as display_data, then closed (cellpipe's inline backend)."""
    from matplotlib._pylab_helpers import Gcf

    managers = Gcf.get_all_fig_managers()
    try:
        for manager in managers:
            png = _figure_png(manager.canvas.figure)
            if png is not None:
                outputs.display({"image/png": png, "text/plain": repr(manager.canvas.figure)})
    finally:
        if managers:
            pyplot.close("all")


_BACKEND_SOURCE = '''
"""matplotlib's backend in a cellpipe step without IPython: Agg, and show() shows as Jupyter's
inline backend does (the figures as PNG under the cell, then closed)."""
from matplotlib.backend_bases import _Backend
from matplotlib.backends.backend_agg import _BackendAgg


@_Backend.export
class _BackendCellpipe(_BackendAgg):
    @staticmethod
    def show(*args, **kwargs):
        import matplotlib.pyplot

        _OUTPUTS.flush_figures_now(matplotlib.pyplot)
'''


class _InlineBackendLoader:
    """Makes `cellpipe_inline_backend` importable, as MPLBACKEND names it."""

    def __init__(self, outputs):
        self.outputs = outputs

    def find_spec(self, name, path=None, target=None):
        if name != _INLINE_BACKEND:
            return None
        import importlib.util

        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        outputs = self.outputs

        class _Flush:
            @staticmethod
            def flush_figures_now(pyplot):
                _show_figures(outputs, pyplot)

        module.__dict__["_OUTPUTS"] = _Flush
        exec(compile(_BACKEND_SOURCE, "<cellpipe inline backend>", "exec"), module.__dict__)


def _install_inline_backend(outputs):
    _sys.meta_path.append(_InlineBackendLoader(outputs))


def _last_expression(code, filename):
    """A cell's code as (statements, last expression) code objects, by IPython's rule; the
    expression is None when the cell shows no value. Line numbers stay the cell's."""
    tree = compile(code, filename, "exec", _ast.PyCF_ONLY_AST, dont_inherit=True)  # what ast.parse does
    if not tree.body or not isinstance(tree.body[-1], _ast.Expr) or _ends_with_semicolon(code):
        return compile(tree, filename, "exec", dont_inherit=True), None
    last = tree.body.pop()
    expression = _ast.Expression(last.value)
    return (
        compile(tree, filename, "exec", dont_inherit=True),
        compile(expression, filename, "eval", dont_inherit=True),
    )


def _ends_with_semicolon(code):
    """Whether the last token of the code, comments aside, is `;` (IPython shows no value then)."""
    if ";" not in code:
        return False
    import io
    import tokenize

    last = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type not in (
                tokenize.COMMENT,
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENDMARKER,
            ):
                last = token
    except (tokenize.TokenError, SyntaxError):
        return False
    return last is not None and last.type == tokenize.OP and last.string == ";"
