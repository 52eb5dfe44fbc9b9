# cellpipe step entry: appended to the step runtime in the run's runtime file, which is written
# once per run to <CELLPIPE_DATA_DIR>/_cellpipe/cellpipe_runtime.py (by the local backend before
# the run's steps start; on Argo Workflows and Kubeflow Pipelines by the run's setup task). Every
# step script imports that file and calls run_step(spec). After this source the compiler appends
# _SHARED_SOURCES (code several steps run, stored once) and _RUNTIME_ID (which compilation wrote
# the file). Uses only the runtime's public `main` and the outputs page's `_write_outputs_page`;
# those names are defined around this source in the runtime file, hence the noqa comments.
import json as _step_json
import os as _step_os
import sys as _step_sys


def _step_arguments():
    """KFP passes the run's values as command-line arguments after the data folder: triples
    (name, kind, text), kind "str" (the text is the value) or "json" (JSON text). They are put
    together into the one JSON object of CELLPIPE_PARAMETERS, which the runtime decodes as it does
    on every backend; a value that is not JSON is reported there, by its parameter's name."""
    arguments = _step_sys.argv[2:]
    if not arguments:
        return
    members = []
    for i in range(0, len(arguments) - 2, 3):
        name, kind, text = arguments[i : i + 3]
        members.append("%s: %s" % (_step_json.dumps(name), _step_json.dumps(text) if kind == "str" else text))
    _step_os.environ.pop("CELLPIPE_PARAMETERS_FILE", None)
    _step_os.environ["CELLPIPE_PARAMETERS"] = "{" + ", ".join(members) + "}"


def run_step(spec):
    """Runs the step of `spec` (a step script's literal), then exits the process."""
    runtime_id = _RUNTIME_ID  # noqa: F821
    if spec.get("runtime") != runtime_id:
        folder = _step_os.path.join(_step_os.environ.get("CELLPIPE_DATA_DIR", "?"), "_cellpipe")
        _step_sys.stderr.write(
            "[cellpipe] the step runtime in %s was written for another compilation of this pipeline "
            "(%s, this step expects %s): run the pipeline again\n" % (folder, runtime_id, spec.get("runtime"))
        )
        raise SystemExit(2)
    spec = dict(spec)
    del spec["runtime"]
    shared = _SHARED_SOURCES  # noqa: F821
    plan = []
    for item in spec.get("plan") or []:
        if isinstance(item, dict) and "sharedSource" in item:
            item = dict(item)
            item["source"] = shared[item.pop("sharedSource")]
        plan.append(item)
    spec["plan"] = plan
    _step_arguments()
    # KFP: the step's cells and their outputs as a page the KFP UI shows (cellpipe_outputs_page.py),
    # written after the step whatever its outcome; the completion guard names where.
    page = _step_os.environ.get("CELLPIPE_OUTPUTS_PAGE")
    try:
        main(spec)  # noqa: F821
    finally:
        if page:
            _write_outputs_page(spec, page)  # noqa: F821
