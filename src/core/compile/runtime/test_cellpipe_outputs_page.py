"""The outputs page (cellpipe_outputs_page.py), run the way a KFP step runs: a runtime file made as
the compiler makes it (runtime, capture, page, step entry), a step script calling run_step(spec) in
a separate Python, CELLPIPE_OUTPUTS_PAGE set as the completion guard sets it. The page is read back
with the standard library's HTML parser."""

import base64
import json
import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from runtime_sources import runtime_source

RUNTIME_ID = "test-runtime"
# The runtime file as stepScript.ts writes it: its sources, then the shared sources and the id.
RUNTIME_FILE = runtime_source(without=()) + "\n\n\n_SHARED_SOURCES = []\n_RUNTIME_ID = %r\n" % RUNTIME_ID
# A 1x1 PNG.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode("ascii")


def cell(source, index):
    return {"kind": "code", "source": source, "filename": "<cell %d: step s>" % index, "role": "cell", "cell": index}


def spec_of(plan):
    return {
        "version": 1,
        "pipeline": "report <pipeline>",
        "step": "s",
        "stepDir": "s",
        "plan": plan,
        "parameters": {},
        "outputs": [],
        "metrics": [],
        "magics": "ipython",
        "runtime": RUNTIME_ID,
    }


def run_step(tmp_path, plan, page=None, env=None):
    """Runs one step with its page at `page` (default: <tmp>/artifacts/cell_outputs); `env` adds
    variables, or removes those given as None. Events go to a file, so stderr is the step's own."""
    page = tmp_path / "artifacts" / "cell_outputs" if page is None else page
    script = tmp_path / "step.py"
    script.write_text(RUNTIME_FILE + "\nrun_step(%r)\n" % spec_of(plan), encoding="utf-8")
    environment = dict(
        os.environ,
        CELLPIPE_DATA_DIR=str(tmp_path / "data"),
        CELLPIPE_EVENTS=str(tmp_path / "events.jsonl"),
        CELLPIPE_OUTPUTS_PAGE=str(page),
    )
    environment.pop("CELLPIPE_OUTPUTS", None)
    environment.update(env or {})
    environment = {name: value for name, value in environment.items() if value is not None}
    proc = subprocess.run([sys.executable, str(script)], env=environment, capture_output=True, text=True, timeout=120)
    return proc, page


class Page(HTMLParser):
    """The page's sections: for each, its label, source and outputs (tag, class, text or src)."""

    def __init__(self, text):
        super().__init__()
        self.title, self.about, self.sections, self.path = "", "", [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.path.append((tag, attrs.get("class")))
        if tag == "section":
            self.sections.append({"label": "", "source": "", "outputs": []})
        elif tag == "img":
            self.path.pop()
            self.sections[-1]["outputs"].append(("img", attrs["src"]))
        elif self.sections and tag in ("pre", "table", "svg") and self.inside("output"):
            self.sections[-1]["outputs"].append((tag, attrs.get("class"), ""))

    def handle_endtag(self, tag):
        while self.path and self.path.pop()[0] != tag:
            pass

    def inside(self, kind):
        return any(cls == kind for _, cls in self.path)

    def handle_data(self, data):
        tag, cls = self.path[-1] if self.path else ("", None)
        if tag == "h1":
            self.title += data
        elif cls == "about":
            self.about += data
        elif not self.sections:
            return
        elif cls == "label":
            self.sections[-1]["label"] += data
        elif cls == "source":
            self.sections[-1]["source"] += data
        elif cls == "none":
            self.sections[-1]["outputs"].append(("none", data))
        elif self.inside("output") and self.sections[-1]["outputs"]:
            kind, cls_, text = self.sections[-1]["outputs"][-1]
            self.sections[-1]["outputs"][-1] = (kind, cls_, text + data)


def test_cells_sources_and_outputs_by_their_richest_type(tmp_path):
    plan = [
        cell('import sys\nprint("<b>not bold</b>")\nsys.stderr.write("careful\\n")\n41 + 1', 1),
        cell(
            "class Table:\n"
            "    def _repr_html_(self):\n"
            '        return "<table><tr><td>html</td></tr></table>"\n'
            "    def __repr__(self):\n"
            '        return "Table()"\n'
            "Table()",
            2,
        ),
        cell(
            "class Picture:\n"
            "    def _repr_png_(self):\n"
            "        import base64\n"
            "        return base64.b64decode(%r)\n"
            "Picture()" % PNG,
            3,
        ),
        cell('from IPython.display import display, JSON\ndisplay(JSON({"k": [1, 2]}))', 4),
    ]
    proc, page = run_step(tmp_path, plan)
    assert proc.returncode == 0, proc.stderr
    shown = Page(page.read_text(encoding="utf-8"))
    assert shown.title == "report <pipeline> · s"
    assert shown.about == "What each cell of the step showed in this run, as Jupyter shows it."
    # Notebook indices 1 to 4, numbered from 1 as JupyterLab shows them.
    assert [s["label"] for s in shown.sections] == ["cell 2", "cell 3", "cell 4", "cell 5"]
    assert shown.sections[0]["source"] == plan[0]["source"]
    assert shown.sections[0]["outputs"] == [
        ("pre", "stdout", "<b>not bold</b>\n"),  # text is escaped: the parser reads it back as text
        ("pre", "stderr", "careful\n"),
        ("pre", "output", "42"),
    ]
    assert shown.sections[1]["outputs"] == [("table", None, "html")]  # HTML as it is
    assert shown.sections[2]["outputs"] == [("img", "data:image/png;base64," + PNG)]
    assert shown.sections[3]["outputs"] == [("pre", "output", json.dumps({"k": [1, 2]}, indent=1))]


def test_an_error_stops_the_step_and_the_page_says_what_did_not_run(tmp_path):
    plan = [cell('print("before")', 1), cell('raise ValueError("no rows")', 2), cell('print("after")', 3)]
    proc, page = run_step(tmp_path, plan)
    assert proc.returncode == 1
    shown = Page(page.read_text(encoding="utf-8"))
    error = shown.sections[1]["outputs"]
    assert [kind for kind, *_ in error] == ["pre"] and error[0][1] == "error"
    assert "ValueError: no rows" in error[0][2]
    assert "\x1b[" not in error[0][2]  # IPython's colours are taken out
    assert shown.sections[2]["outputs"] == [("none", "not run: an earlier cell raised")]


def test_a_page_without_captured_outputs_says_so(tmp_path):
    proc, page = run_step(tmp_path, [cell('print("hi")', 1)], env={"CELLPIPE_OUTPUTS": "0"})
    assert proc.returncode == 0, proc.stderr
    shown = Page(page.read_text(encoding="utf-8"))
    assert shown.about.startswith("No cell outputs were captured for this step")
    assert shown.sections[0]["source"] == 'print("hi")' and shown.sections[0]["outputs"] == []


def test_a_page_that_cannot_be_written_leaves_the_step_as_it_was(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    proc, _ = run_step(tmp_path, [cell('print("hi")', 1)], page=blocker / "cell_outputs")
    assert proc.returncode == 0
    assert proc.stdout == "hi\n"
    assert proc.stderr.startswith(
        "[cellpipe] the step's outputs page was not written (%s)" % (blocker / "cell_outputs")
    )


@pytest.mark.parametrize("value", ["", None])
def test_no_page_without_the_variable(tmp_path, value):
    proc, _ = run_step(tmp_path, [cell('print("hi")', 1)], env={"CELLPIPE_OUTPUTS_PAGE": value})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "hi\n", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "events.jsonl", "step.py"]
