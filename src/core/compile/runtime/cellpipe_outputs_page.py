# cellpipe outputs page: a step's cells and what they showed, as one self-contained HTML page.
#
# Part of the runtime file (after cellpipe_outputs.py, before the step entry); it uses the
# runtime's names (_json, _os, _sys, _OUTPUTS_FILE). Standard library only.
#
# Kubeflow Pipelines' API gives nothing of a step back but its state: neither its files nor its
# output parameters' values. What a KFP user does see is the KFP UI, which renders a step's
# `system.HTML` output artifacts. So on KFP the step entry writes this page where the launcher
# picks that artifact up (CELLPIPE_OUTPUTS_PAGE, set by the step's completion guard), after the
# step: each cell of the step in plan order, `cell N` (its notebook index, as tracebacks name it),
# its source, then its outputs from <stepDir>/.outputs.json, each MIME bundle shown by its richest
# type as Jupyter picks it (HTML and SVG as they are: the KFP UI shows the page in a sandboxed
# frame; images inline; text escaped).

import re as _page_re

# The MIME types shown, richest first; others (widgets, JavaScript) are skipped as nbconvert's HTML does.
_PAGE_MIME_ORDER = (
    "text/html",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/markdown",
    "application/json",
    "text/latex",
    "text/plain",
)
_PAGE_ANSI = _page_re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PAGE_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #212121; }
h1 { font-size: 18px; margin: 0 0 4px; }
p.about { color: #616161; margin: 0 0 16px; }
section { margin: 0 0 16px; }
.label { color: #616161; font: 12px monospace; }
pre { margin: 2px 0; padding: 6px 8px; white-space: pre-wrap; word-break: break-word; font: 13px/1.35 monospace; }
pre.source { background: #f5f5f5; border-left: 3px solid #9e9e9e; }
pre.stderr { background: #fdecea; }
pre.error { background: #fdecea; color: #b71c1c; }
.output { margin: 2px 0 2px 11px; overflow-x: auto; }
.output table { border: none; border-collapse: collapse; font-size: 12px; margin: 4px 8px; }
.output th, .output td { border: none; padding: 3px 8px; text-align: right; }
.output thead th { border-bottom: 1px solid #bdbdbd; }
.output tbody tr:nth-child(odd) { background: #f5f5f5; }
.output img { margin: 4px 8px; max-width: 100%; }
.none { color: #9e9e9e; font-style: italic; margin: 2px 0 2px 11px; }
"""


def _page_escape(text):
    import html  # here, not with the runtime file: only KFP steps write the page (1.2 ms of every step's start)

    return html.escape(text)


def _page_text(value):
    """nbformat text: a string, or a list of lines."""
    return "".join(value) if isinstance(value, list) else str(value)


def _page_pre(text, kind):
    return '<pre class="%s">%s</pre>' % (kind, _page_escape(text))


def _page_bundle(data):
    """The HTML of a MIME bundle by its richest type; '' when it has none shown."""
    for mime in _PAGE_MIME_ORDER:
        if mime not in data:
            continue
        value = data[mime]
        if mime == "application/json":
            return _page_pre(_json.dumps(value, indent=1, ensure_ascii=False), "output")
        text = _page_text(value)
        if mime in ("text/html", "image/svg+xml"):
            return text
        if mime.startswith("image/"):
            return '<img src="data:%s;base64,%s">' % (mime, _page_escape(text.replace("\n", "")))
        return _page_pre(text, "output")
    return ""


def _page_output(output):
    kind = output.get("output_type")
    if kind == "stream":
        return _page_pre(_page_text(output.get("text", "")), "stderr" if output.get("name") == "stderr" else "stdout")
    if kind == "error":
        # One entry per frame or line, with or without its newline (IPython's have none).
        lines = output.get("traceback") or ["%s: %s" % (output.get("ename"), output.get("evalue"))]
        traceback = "".join(line if line.endswith("\n") else line + "\n" for line in map(str, lines))
        return _page_pre(_PAGE_ANSI.sub("", traceback), "error")
    if kind in ("display_data", "execute_result"):
        return _page_bundle(output.get("data") or {})
    return ""


def _page(spec, document):
    """The page's HTML: the step's cells (plan entries of role "cell") with the outputs `document` has for them."""
    records = {record.get("cell"): record for record in (document or {}).get("cells", [])}
    title = "%s · %s" % (spec.get("pipeline", ""), spec.get("step", ""))
    if document is None:
        about = (
            "No cell outputs were captured for this step (CELLPIPE_OUTPUTS=0, or the step ended before its first cell)."
        )
    else:
        about = "What each cell of the step showed in this run, as Jupyter shows it."
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"><title>%s</title><style>%s</style></head><body>'
        % (_page_escape(title), _PAGE_STYLE),
        "<h1>%s</h1>" % _page_escape(title),
        '<p class="about">%s</p>' % _page_escape(about),
    ]
    stopped = False
    for item in spec.get("plan") or []:
        if item.get("role") != "cell":
            continue
        record = records.get(item.get("cell"))
        # Cells are numbered from 1, as JupyterLab shows them.
        number = item["cell"] + 1 if isinstance(item.get("cell"), int) else "?"
        parts.append('<section><div class="label">cell %s</div>' % number)
        parts.append(_page_pre(item.get("source", ""), "source"))
        if record is not None:
            shown = [_page_output(output) for output in record.get("outputs") or []]
            parts.extend('<div class="output">%s</div>' % html for html in shown if html)
            stopped = stopped or record.get("status") == "error"
        elif document is not None:
            parts.append('<div class="none">%s</div>' % ("not run: an earlier cell raised" if stopped else "not run"))
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _write_outputs_page(spec, path):
    """Writes the page of the step of `spec` (the step entry's, shared sources resolved) to `path`.
    Never raises: a page that cannot be written is said on stderr, and the step's outcome stands."""
    try:
        folder = _os.path.join(_os.environ.get("CELLPIPE_DATA_DIR", ""), spec["stepDir"])
        try:
            with open(_os.path.join(folder, _OUTPUTS_FILE), encoding="utf-8") as f:
                document = _json.load(f)
        except (OSError, ValueError):
            document = None
        directory = _os.path.dirname(path)
        if directory:
            _os.makedirs(directory, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(_page(spec, document))
    except Exception as error:  # noqa: BLE001 - the page is a view of the step, never its outcome
        _sys.stderr.write("[cellpipe] the step's outputs page was not written (%s): %s\n" % (path, error))
