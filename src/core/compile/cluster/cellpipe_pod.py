# cellpipe pod adapter: appended to the step runtime in the one file the setup task of a cluster
# run (Argo Workflows, Kubeflow Pipelines) writes to the data volume. Each step's script execs
# that file and calls run_pod_step(spec, arguments): the run's parameter values arrive as text
# (an env var per parameter on Argo, command-line arguments on KFP), are decoded here, and reach
# the runtime as the JSON object in CELLPIPE_PARAMETERS, like on every other backend. Uses only
# the runtime's public `main`.
import json as _pod_json
import os as _pod_os
import sys as _pod_sys


def _pod_reject_constant(name):
    raise ValueError("%s is not valid JSON" % name)


def _pod_decode(name, kind, text, default):
    """kind "str": the text is the value; "json": JSON text (a whole float for an int default is an int)."""
    if kind == "str":
        return text
    try:
        value = _pod_json.loads(text, parse_constant=_pod_reject_constant)
    except ValueError as e:
        _pod_sys.stderr.write("[cellpipe] parameter %s: %r is not a JSON value (%s); give numbers as 1.5, "
                              "booleans as true or false, strings in double quotes\n" % (name, text, e))
        raise SystemExit(2)
    if type(default) is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    return value


def run_pod_step(spec, arguments):
    """arguments: [(name, kind, text)] for every pipeline parameter; then runs the step and exits.
    Plan items with "sharedSource" get their source from _POD_SHARED_SOURCES (code several steps
    run, stored once in this file by the setup task)."""
    for item in spec.get("plan") or []:
        if isinstance(item, dict) and "sharedSource" in item:
            item["source"] = _POD_SHARED_SOURCES[item.pop("sharedSource")]
    defaults = spec.get("parameters") or {}
    values = dict((name, _pod_decode(name, kind, text, defaults.get(name))) for name, kind, text in arguments)
    _pod_os.environ.pop("CELLPIPE_PARAMETERS_FILE", None)
    _pod_os.environ["CELLPIPE_PARAMETERS"] = _pod_json.dumps(values)
    main(spec)


def run_pod_step_from_env(spec):
    """Argo: the value of parameter N is in the env var CELLPIPE_PARAM_N, as JSON text."""
    names = sorted(spec.get("parameters") or {})
    missing = [n for n in names if "CELLPIPE_PARAM_" + n not in _pod_os.environ]
    if missing:
        _pod_sys.stderr.write("[cellpipe] missing env vars for parameters: %s\n" % ", ".join(missing))
        raise SystemExit(2)
    run_pod_step(spec, [(n, "json", _pod_os.environ["CELLPIPE_PARAM_" + n]) for n in names])
