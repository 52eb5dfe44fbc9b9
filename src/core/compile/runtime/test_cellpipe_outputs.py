"""What a step's cells show (cellpipe_outputs.py), run the way steps really run: a separate Python
process per step (test_cellpipe_runtime.Runner). The document each step writes, its events, and
the step's log, which capture must leave as it was."""

import base64
import json
import struct

import pytest
from test_cellpipe_runtime import Runner, has_module, make_spec

HAS_MATPLOTLIB = has_module("matplotlib")
HAS_IPYTHON = has_module("IPython")
HAS_KERNEL = has_module("nbclient") and has_module("ipykernel")


@pytest.fixture
def runner(tmp_path):
    return Runner(tmp_path)


def cell(source, index, step="s"):
    return {
        "kind": "code",
        "source": source,
        "filename": "<cell %d: step %s>" % (index, step),
        "role": "cell",
        "cell": index,
    }


def document(result):
    return json.loads((result.folder / ".outputs.json").read_text(encoding="utf-8"))


def outputs_of(result):
    return {record["cell"]: record["outputs"] for record in document(result)["cells"]}


def png_size(data):
    head = base64.b64decode(data)[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_streams_values_and_the_log_unchanged(runner):
    plan = [
        cell(
            'import sys\nprint("to out")\nsys.stderr.write("to err\\n")\nprint("out again", end="")\n{"a": [1, 2]}', 1
        ),
        cell("x = 41\nx + 1", 2),
        cell("x;", 3),  # a trailing semicolon shows nothing
        cell("print(x)", 4),  # print's None shows nothing
        cell("y = x  # an assignment shows nothing", 5),
    ]
    shown = runner.ok(make_spec("s", plan))
    assert outputs_of(shown) == {
        1: [
            {"output_type": "stream", "name": "stdout", "text": "to out\n"},
            {"output_type": "stream", "name": "stderr", "text": "to err\n"},
            {"output_type": "stream", "name": "stdout", "text": "out again"},
            {
                "output_type": "execute_result",
                "data": {"text/plain": "{'a': [1, 2]}"},
                "metadata": {},
                "execution_count": None,
            },
        ],
        2: [{"output_type": "execute_result", "data": {"text/plain": "42"}, "metadata": {}, "execution_count": None}],
        3: [],
        4: [{"output_type": "stream", "name": "stdout", "text": "41\n"}],
        5: [],
    }
    assert [e["cell"] for e in shown.events if e["event"] == "cell-outputs"] == [1, 2, 3, 4, 5]
    # The log is what the code printed, exactly as without capture: no values in it.
    plain = runner.ok(make_spec("s", plan), env={"CELLPIPE_OUTPUTS": "0"})
    assert (shown.stdout, shown.stderr) == (plain.stdout, plain.stderr) == ("to out\nout again41\n", "to err\n")


def test_a_cell_that_raises_has_an_error_output_and_the_traceback_stays_in_the_log(runner):
    result = runner.run(make_spec("s", [cell('print("before")', 1), cell("1 / 0", 2), cell('print("never")', 3)]))
    assert result.rc == 1
    records = document(result)["cells"]
    assert [(r["cell"], r["status"]) for r in records] == [(1, "ok"), (2, "error")]
    (error,) = records[1]["outputs"]
    assert (error["output_type"], error["ename"], error["evalue"]) == ("error", "ZeroDivisionError", "division by zero")
    assert any("1 / 0" in line for line in error["traceback"])
    assert not any("cellpipe_runtime" in line or "_run_plan" in line for line in error["traceback"])
    assert not any(line.endswith("\n") for line in error["traceback"])  # joined with newlines by front ends
    assert "ZeroDivisionError" in result.stderr  # the log keeps Python's traceback


def test_declarations_print_to_the_log_only(runner):
    prelude = {"kind": "code", "source": 'print("prelude")', "filename": "<cell 0: imports>", "role": "declaration"}
    result = runner.ok(make_spec("s", [prelude, cell('print("mine")', 1)]))
    assert result.stdout == "prelude\nmine\n"
    assert outputs_of(result) == {1: [{"output_type": "stream", "name": "stdout", "text": "mine\n"}]}


def test_capture_off_writes_nothing(runner):
    result = runner.ok(make_spec("s", [cell("1 + 1", 1)]), env={"CELLPIPE_OUTPUTS": "0"})
    assert not (result.folder / ".outputs.json").exists()
    assert not [e for e in result.events if e["event"] == "cell-outputs"]


def test_a_step_run_again_starts_with_an_empty_document(runner, tmp_path):
    runner.ok(make_spec("s", [cell('print("first")', 1), cell('print("second")', 2)]))
    again = runner.run(make_spec("s", [cell('raise SystemExit("stop")', 1), cell('print("second")', 2)]))
    assert again.rc == 1
    assert [r["cell"] for r in document(again)["cells"]] == [1]


def test_long_streams_are_cut_with_a_note_and_the_document_fits_its_limit(runner):
    result = runner.ok(make_spec("s", [cell('print("x" * (3 << 20))', 1)]))
    (stream,) = outputs_of(result)[1]
    assert stream["text"] == "x" * (1 << 20) + "\n[cellpipe: %d more characters of stdout are in the step's log]\n" % (
        (2 << 20) + 1
    )
    assert len(result.stdout) == (3 << 20) + 1  # the log has all of it

    # Many small writes: the note counts every character left out, past the one that crossed the cap.
    lines = runner.ok(make_spec("s", [cell("for i in range(200_000):\n    print('%07d' % i)", 1)]))
    (stream,) = outputs_of(lines)[1]
    kept, note = stream["text"][: 1 << 20], stream["text"][1 << 20 :]
    assert kept == "".join("%07d\n" % i for i in range(200_000))[: 1 << 20]
    assert note == "\n[cellpipe: %d more characters of stdout are in the step's log]\n" % (200_000 * 8 - (1 << 20))

    limited = runner.ok(
        make_spec("s", [cell('print("small")', 1), cell('"y" * 100_000', 2)]), env={"CELLPIPE_OUTPUTS_LIMIT": "4096"}
    )
    assert (limited.folder / ".outputs.json").stat().st_size <= 4096
    shown = outputs_of(limited)
    assert shown[1] == [{"output_type": "stream", "name": "stdout", "text": "small\n"}]
    assert "CELLPIPE_OUTPUTS_LIMIT" in shown[2][0]["text"]


def test_a_steps_document_stays_under_32_mib_without_a_limit_set(runner):
    # Five tables of 7 MiB each (under the 8 MiB a MIME type's data may have): the largest go.
    source = "for i in range(5):\n    display({'text/html': str(i) * (7 << 20)}, raw=True)\nprint('done')"
    result = runner.ok(make_spec("s", [cell(source, 1)]), block=["IPython"])
    assert (result.folder / ".outputs.json").stat().st_size <= 32 << 20
    shown = outputs_of(result)[1]
    kept = [o["data"]["text/html"][0] for o in shown if o["output_type"] == "display_data"]
    notes = [o["text"] for o in shown if o["output_type"] == "stream" and o["name"] == "stderr"]
    assert len(kept) == 4
    assert notes == ["[cellpipe: an output of 7168 KiB is left out: a step keeps 32 MiB of outputs]\n"]
    assert shown[-1] == {"output_type": "stream", "name": "stdout", "text": "done\n"}


def test_display_without_ipython_uses_the_objects_own_representations(runner):
    source = (
        "class Table:\n"
        "    def _repr_html_(self):\n"
        "        return '<table><tr><td>1</td></tr></table>'\n"
        "    def __repr__(self):\n"
        "        return 'Table()'\n"
        "display(Table(), 'text')\n"
        "Table()"
    )
    result = runner.ok(make_spec("s", [cell(source, 1)]), block=["IPython"])
    assert outputs_of(result)[1] == [
        {
            "output_type": "display_data",
            "data": {"text/plain": "Table()", "text/html": "<table><tr><td>1</td></tr></table>"},
            "metadata": {},
        },
        {"output_type": "display_data", "data": {"text/plain": "'text'"}, "metadata": {}},
        {
            "output_type": "execute_result",
            "data": {"text/plain": "Table()", "text/html": "<table><tr><td>1</td></tr></table>"},
            "metadata": {},
            "execution_count": None,
        },
    ]


@pytest.mark.parametrize("block", [[], ["IPython"]], ids=["IPython", "without IPython"])
def test_binary_representations_are_base64_as_the_kernel_sends_them(runner, block):
    # A `_repr_png_` returning bytes (a PIL image's does): IPython's formatter keeps them as bytes,
    # the kernel sends them in base64.
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAACAAFUok9dAAAAAElFTkSuQmCC")
    source = "class Picture:\n    def _repr_png_(self):\n        return %r\ndisplay(Picture())\nPicture()" % png
    result = runner.ok(make_spec("s", [cell(source, 1)]), block=block)
    shown = outputs_of(result)[1]
    assert [output["data"]["image/png"] for output in shown] == [base64.b64encode(png).decode("ascii")] * 2


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib is not installed")
def test_figures_with_and_without_ipython_are_the_inline_backends(runner):
    source = (
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 3, 2])\n"
        "plt.show()\n"
        'print("after")\n'
        "fig, ax = plt.subplots(figsize=(3, 2))\n"
        "ax.bar([1, 2], [2, 1])\n"
        "None"
    )
    sizes = {}
    for label, block in (("ipython", ()), ("plain", ("IPython", "matplotlib_inline"))):
        result = runner.ok(make_spec("s", [cell(source, 1)]), block=block)
        shown = outputs_of(result)[1]
        assert [o["output_type"] for o in shown] == ["display_data", "stream", "display_data"], label
        assert shown[1]["text"] == "after\n"
        assert shown[0]["data"]["text/plain"] == "<Figure size 640x480 with 1 Axes>"
        assert "non-interactive" not in result.stderr, label
        sizes[label] = [png_size(o["data"]["image/png"]) for o in (shown[0], shown[2])]
    # The same pixels as a kernel's inline backend (corpus.spec.ts checks them against a real kernel).
    assert sizes["plain"] == sizes["ipython"]


def test_an_error_output_shows_the_cells_frames_only(runner):
    result = runner.run(make_spec("s", [cell("def f():\n    return 1 / 0\n\nf()", 1), cell("x = (1,", 2)]))
    (error,) = outputs_of(result)[1]
    # Front ends join the lines with newlines; the runtime's own frames are not the user's business.
    assert error["traceback"] == [
        "Traceback (most recent call last):",
        '  File "<cell 1: step s>", line 4, in <module>\n    f()',
        '  File "<cell 1: step s>", line 2, in f\n    return 1 / 0\n           ~~^~~',
        "ZeroDivisionError: division by zero",
    ]
    assert result.stderr == "\n".join(error["traceback"]) + "\n"  # what the log shows, as Python prints it

    syntax = runner.run(make_spec("s", [cell("x = (1,", 1)]))
    (error,) = outputs_of(syntax)[1]
    assert (error["ename"], error["traceback"][-1]) == ("SyntaxError", "SyntaxError: '(' was never closed")
    assert not any("cellpipe" in line or "step" in line.split('"')[0] for line in error["traceback"])


@pytest.mark.skipif(not HAS_IPYTHON, reason="IPython is not installed")
def test_an_update_to_an_earlier_cells_display_announces_that_cell_again(runner):
    result = runner.ok(
        make_spec("s", [cell("shown = display('first', display_id=True)", 1), cell("shown.update('second')", 2)])
    )
    assert outputs_of(result) == {
        1: [{"output_type": "display_data", "data": {"text/plain": "'second'"}, "metadata": {}}],
        2: [],
    }
    assert [e["cell"] for e in result.events if e["event"] == "cell-outputs"] == [1, 2, 1]


@pytest.mark.skipif(not HAS_IPYTHON, reason="IPython is not installed")
def test_data_strict_json_cannot_hold_is_written_as_a_kernel_sends_it(runner):
    source = (
        "from IPython.display import JSON\n"
        "display(JSON({'ratio': float('nan')}))\n"
        "display({'text/html': '<b>\\udcff</b>'}, raw=True)\n"
        "print('shown')"
    )
    result = runner.ok(make_spec("s", [cell(source, 1)]))
    json_out, html, printed = outputs_of(result)[1]
    assert json_out["data"]["application/json"] == {"ratio": "nan"}  # jupyter_client's json_clean
    assert html["data"]["text/html"] == "<b>%s</b>" % chr(0xDCFF)  # a lone surrogate, written as its JSON escape
    assert printed["text"] == "shown\n"


@pytest.mark.skipif(not HAS_IPYTHON, reason="IPython is not installed")
def test_numbers_are_formatted_by_the_steps_shell_once_it_has_one(runner):
    # Without a shell a float's text is its repr; a shell made for the step (here by a magic)
    # formats it, as a kernel's would after %precision. A magic cell shows its last value too.
    plan = [cell("%precision 3\n1 / 3", 1), cell("import math\nmath.pi", 2)]
    shown = outputs_of(runner.ok(make_spec("s", plan, magics="ipython")))
    assert [outputs[0]["data"] for outputs in shown.values()] == [{"text/plain": "0.333"}, {"text/plain": "3.142"}]


FIGURE_CELLS = [
    # shown by plt.show() in the middle of a cell, then one left open at its end (with an explicit
    # dpi and a title wider than the axes: the tight box grows)
    "import matplotlib.pyplot as plt\n"
    "plt.plot([1, 3, 2])\n"
    "plt.show()\n"
    "print('after')\n"
    "fig, ax = plt.subplots(figsize=(3, 2), dpi=150)\n"
    "ax.bar([1, 2], [2, 1])\n"
    "fig.suptitle('a title wider than the axes, on both of their sides')\n"
    "None",
    # a figure as the cell's value (execute_result) that is also still open (display_data)
    "fig = plt.figure(figsize=(5, 1.5))\nfig.add_subplot(121).plot([0, 1])\nfig.add_subplot(122).set_xlabel('x')\nfig",
]


def shown_figures(outputs):
    """(output type, PNG pixel size, text/plain) of each output, in order; streams by their text."""
    pixels = [png_size(o["data"]["image/png"]) if "image/png" in o.get("data", {}) else None for o in outputs]
    return [(o["output_type"], size, o.get("text")) for o, size in zip(outputs, pixels)]


@pytest.mark.skipif(not (HAS_MATPLOTLIB and HAS_KERNEL), reason="needs matplotlib, nbclient and ipykernel")
def test_figures_have_the_pixels_of_a_kernels_inline_backend(runner):
    """The oracle is a real kernel: the same cells run by nbclient in an ipykernel of this Python."""
    import nbclient
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in FIGURE_CELLS])
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    kernel = [shown_figures(c.outputs) for c in notebook.cells]
    # The kernel showed: a figure, the print, a figure; then the value and the open figure.
    assert [[kind for kind, _, _ in outputs] for outputs in kernel] == [
        ["display_data", "stream", "display_data"],
        ["execute_result", "display_data"],
    ]
    plan = [cell(source, i) for i, source in enumerate(FIGURE_CELLS)]
    for block in ((), ("IPython", "matplotlib_inline")):
        shown = outputs_of(runner.ok(make_spec("s", plan), block=block))
        assert [shown_figures(shown[i]) for i in range(len(FIGURE_CELLS))] == kernel, block
