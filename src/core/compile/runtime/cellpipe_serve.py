# ruff: noqa: F821 (the runtime's names, defined around this source in the runtime file)
# cellpipe served models (docs/distributed-and-serving.md): after a step tagged serve:MODEL[:SAMPLE]
# has run (rank 0 of a distributed one), its value MODEL is saved in the layout KServe's scikit-learn
# server reads (a folder holding model.joblib), at <CELLPIPE_MODELS_DIR>/<name>/<version>/, where it
# outlives the run; `.serve.json` in the step's folder tells the backend what to serve and what to
# ask it: the first rows of SAMPLE as JSON, and what the notebook's own model.predict says of them.
import json as _serve_json
import os as _serve_os

_SERVE_FILE = ".serve.json"
_SERVE_ROWS = 8


def _serve_rows(value):
    """The first rows of a sample (DataFrame, array, list) as JSON-able lists, and the same rows as
    the notebook has them (what its own model.predict is given)."""
    head = value.head(_SERVE_ROWS) if hasattr(value, "head") and hasattr(value, "columns") else value[:_SERVE_ROWS]
    rows = head.values.tolist() if hasattr(head, "values") and hasattr(head, "columns") else None
    if rows is None:
        rows = (
            head.tolist()
            if hasattr(head, "tolist")
            else [list(row) if isinstance(row, (list, tuple)) else row for row in head]
        )
    return rows, head


def _serve_jsonable(values):
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _serve_save(step, serve, namespace):
    name = serve["model"]
    model = namespace.get(name)
    if model is None or not callable(getattr(model, "predict", None)):
        raise _StepError(
            "output",
            "serve:%s: %r is a %s, not a model with a predict() method; tag the step with the name of "
            "its fitted model" % (name, name, _type_name(model)),
            name=name,
        )
    if type(model).__module__.split(".")[0] != "sklearn":
        raise _StepError(
            "output",
            "serve:%s: %r is a %s.%s; cellpipe serves scikit-learn models (KServe's sklearn format: model.joblib)"
            % (name, name, type(model).__module__, type(model).__name__),
            name=name,
        )
    import joblib
    import sklearn

    root = _serve_os.environ.get("CELLPIPE_MODELS_DIR") or _serve_os.path.join(step.root, "_models")
    version = _serve_os.environ.get("CELLPIPE_RUN_ID") or "v%d" % int(_time.time())
    folder = _serve_os.path.join(root, serve["name"], version)
    _serve_os.makedirs(folder, exist_ok=True)

    def write(tmp):
        joblib.dump(model, tmp)

    _atomic_write(_serve_os.path.join(folder, "model.joblib"), write)
    document = {
        "name": serve["name"],
        "version": version,
        "path": folder,
        "framework": "sklearn",
        "sklearn": sklearn.__version__,
        "instances": None,
        "predictions": None,
    }
    if serve.get("sample"):
        sample = namespace.get(serve["sample"])
        if sample is None:
            raise _StepError("output", "serve: the sample %r is not bound after the step ran" % serve["sample"])
        rows, head = _serve_rows(sample)
        document["instances"] = rows
        document["predictions"] = _serve_jsonable(model.predict(head))
    _write_json_file(_serve_os.path.join(step.folder, _SERVE_FILE), _serve_json.loads(_dumps(document)))
    step.events.emit("model-saved", name=serve["name"], path=folder)
