"""The runtime file's Python sources, for the tests and the data-passing bench that run the runtime
outside a compiled pipeline. The order is the compiler's (stepScript.ts, RUNTIME_PARTS): the step
entry comes last."""

from pathlib import Path

HERE = Path(__file__).parent
RUNTIME_PARTS = (
    "cellpipe_runtime.py",
    "cellpipe_outputs.py",
    "cellpipe_fanout.py",
    "cellpipe_distributed.py",
    "cellpipe_serve.py",
    "cellpipe_outputs_page.py",
    "cellpipe_step.py",
)


def runtime_source(without=("cellpipe_outputs_page.py", "cellpipe_step.py")):
    """The runtime's parts joined, minus `without` (by default the outputs page and the step entry:
    scripts made by the tests and the bench call main(SPEC) directly)."""
    return "\n\n".join((HERE / name).read_text(encoding="utf-8") for name in RUNTIME_PARTS if name not in without)
