# ruff: noqa: F821 (the runtime's names, defined around this source in the runtime file)
# cellpipe fan-out steps (docs/fan-out.md): a step whose cell is one `for` loop over a list an
# earlier step made runs as one instance per item, then a gather.
#
# Part of the runtime file (after cellpipe_outputs.py, before the step entry); uses the runtime's
# helpers (_Step, _StepError, _atomic_write, _write_json_file, _document_bytes...).
# The step script is the same in every mode; the environment says which:
#   - CELLPIPE_ITEM=i      instance i: the loop runs its body for item i only (the loop header's
#                          iterable is evaluated as written, and item i taken from it), and the
#                          step's values, result and outputs go to <step>/items/<i>/
#   - CELLPIPE_GATHER=1    the gather: merges <step>/items/0..n-1 into <step>/ as the loop would
#                          have left the values (accumulators: every item's additions in item
#                          order; every other value: the last item's), every item's cell outputs
#                          in item order
#   - neither              the whole loop in one process (any backend that does not fan out)
# The producer of the list writes `.items-NAME.json` = [0, 1, ..., n-1] after saving it: the
# local backend reads its length and Argo's withParam expands it.
import itertools as _fan_itertools
import json as _fan_json
import os as _fan_os
import time as _fan_time

_FAN_SELECTOR = "__cellpipe_item__"
_FAN_INSTANCES = "items"


def _fan_copy(source, target):
    import shutil  # here, not with the runtime file: only a gather copies (1.4 ms of every step's start)

    shutil.copyfile(source, target)


def _fan_item(spec):
    """The item index this process runs (CELLPIPE_ITEM), or None when it runs the whole step."""
    text = _fan_os.environ.get("CELLPIPE_ITEM", "")
    if not spec.get("fanOut") or text == "":
        return None
    if not text.isdigit():
        raise _StepError("environment", "CELLPIPE_ITEM must be an item index (0, 1, ...), not %r" % text)
    return int(text)


def _fan_gathering(spec):
    return bool(spec.get("fanOut")) and _fan_os.environ.get("CELLPIPE_GATHER") == "1"


def _fan_instance_folder(step_dir, index):
    return "%s/%s/%d" % (step_dir, _FAN_INSTANCES, index)


def _fan_items_file(name):
    return ".items-%s.json" % name


def _fan_loop_code(code, filename):
    """The fan-out cell's code (one top-level `for`) compiled so its loop runs item `item` only:
    the iterable becomes `__cellpipe_item__(ITERABLE)`; lines and columns stay the cell's."""
    import ast

    tree = ast.parse(code, filename)
    loops = [node for node in tree.body if isinstance(node, ast.For)]
    if len(tree.body) != 1 or len(loops) != 1:
        raise _StepError(
            "spec", "the fan-out cell %s must be one top-level for loop (recompile the notebook)" % filename
        )
    loop = loops[0]
    call = ast.Call(func=ast.Name(id=_FAN_SELECTOR, ctx=ast.Load()), args=[loop.iter], keywords=[])
    loop.iter = ast.copy_location(call, loop.iter)
    ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec", dont_inherit=True)


def _fan_selector(index, over):
    """What `__cellpipe_item__(iterable)` is in instance `index`: a one-item list of the iterable's
    item `index`, as the loop would have bound it."""

    def select(iterable):
        chosen = list(_fan_itertools.islice(iter(iterable), index, index + 1))
        if not chosen:
            raise _StepError(
                "input",
                "item %d of %r does not exist: the list changed after the pipeline counted its items; "
                "run the step that makes it again" % (index, over),
            )
        return chosen

    return select


def _fan_write_item_lists(step, spec, namespace):
    """After a producer saved its outputs: the item list of each one a fan-out step runs over."""
    for name in spec.get("itemLists", []):
        value = namespace.get(name)
        try:
            count = len(value)
        except TypeError:
            raise _StepError(
                "output",
                "%r is a %s, which has no length: a foreach:%s step runs once per item of a list, tuple, "
                "dict or other sized collection" % (name, _type_name(value), name),
                name=name,
            ) from None
        _write_json_file(_fan_os.path.join(step.folder, _fan_items_file(name)), list(range(count)))


def _fan_count(step, fan_out):
    path = _fan_os.path.join(step.root, fan_out["fromStepDir"], _fan_items_file(fan_out["over"]))
    try:
        with open(path, encoding="utf-8") as f:
            return len(_fan_json.load(f))
    except (OSError, ValueError) as e:
        raise _StepError(
            "input",
            "cannot read the item list of %r (%s): re-run the step that makes it" % (fan_out["over"], e),
        ) from None


def _fan_instance_result(step, index, count):
    path = _fan_os.path.join(step.folder, _FAN_INSTANCES, str(index), _STEP_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            result = _fan_json.load(f)
    except (OSError, ValueError):
        result = None
    status = result.get("status") if isinstance(result, dict) else None
    if status != "Succeeded":
        problem = ((result or {}).get("error") or {}).get("message") or "it has no result (%s)" % (status or "not run")
        raise _StepError("input", "item %d of %d did not succeed: %s" % (index + 1, count, problem), item=index)
    return result


def _fan_merge(name, base, values):
    """An accumulator as the loop leaves it: `base` (its value before the loop) with each item's
    additions, in item order."""

    def refuse(why):
        raise _StepError(
            "output",
            "cannot gather %r: %s. Add each item's result to a list, dict or set made before the loop "
            "(`results.append(r)`, `results[key] = r`) and build other values from it in a later step" % (name, why),
            name=name,
        )

    if type(base) is list:
        merged = list(base)
        for index, value in enumerate(values):
            if type(value) is not list or len(value) < len(base):
                refuse("item %d left it as a %s, not the list with its additions" % (index, _type_name(value)))
            merged.extend(value[len(base) :])
        return merged
    if type(base) is dict:
        import pickle

        merged = dict(base)
        before = {key: pickle.dumps(item, protocol=4) for key, item in base.items()}
        for value in values:
            for key, item in value.items():
                if key not in before or pickle.dumps(item, protocol=4) != before[key]:
                    merged[key] = item
        return merged
    if type(base) is set:
        merged = set(base)
        for value in values:
            merged |= value - base
        return merged
    refuse("it is a %s; the gather merges lists, dicts and sets" % _type_name(base))


def _fan_link(source_folder, target_folder, name):
    """Puts a saved value (its data file and manifest) of one folder into another, as a hard link
    when the filesystem allows: the gather takes the last item's values without reading them."""
    manifest_path = _fan_os.path.join(source_folder, name + _MANIFEST_SUFFIX)
    with open(manifest_path, encoding="utf-8") as f:
        manifest = _fan_json.load(f)
    for file in (manifest["file"], name + _MANIFEST_SUFFIX):
        target = _fan_os.path.join(target_folder, file)
        _remove(target)
        try:
            _fan_os.link(_fan_os.path.join(source_folder, file), target)
        except OSError:
            _fan_copy(_fan_os.path.join(source_folder, file), target)
    return manifest


def _fan_cell_outputs(step, spec, count):
    """Every item's cell outputs, in item order, as one document: what the loop would have shown."""
    records = {}
    order = []
    for index in range(count):
        path = _fan_os.path.join(step.folder, _FAN_INSTANCES, str(index), ".outputs.json")
        try:
            with open(path, encoding="utf-8") as f:
                document = _fan_json.load(f)
        except (OSError, ValueError):
            continue
        for record in document.get("cells", []):
            cell = record.get("cell")
            if cell not in records:
                records[cell] = dict(record, outputs=[])
                order.append(cell)
            merged = records[cell]
            merged["finishedAt"] = record.get("finishedAt", merged.get("finishedAt"))
            if record.get("status") == "error":
                merged["status"] = "error"
            for output in record.get("outputs", []):
                last = merged["outputs"][-1] if merged["outputs"] else None
                if (
                    last is not None
                    and output.get("output_type") == "stream"
                    and last.get("output_type") == "stream"
                    and last.get("name") == output.get("name")
                ):
                    merged["outputs"][-1] = dict(last, text=last["text"] + output["text"])
                else:
                    merged["outputs"].append(output)
    if not order:
        return
    document = {"version": 1, "step": spec["step"], "cells": [records[cell] for cell in order]}
    limit = _fan_os.environ.get("CELLPIPE_OUTPUTS_LIMIT", "")
    data = _document_bytes(document)
    if limit.isdigit() and len(data) > int(limit):
        data = _document_bytes(_within_limit(document, int(limit), "the step's outputs are over the cluster's limit"))

    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(data)

    _atomic_write(_fan_os.path.join(step.folder, ".outputs.json"), write)


def _fan_gather(spec, events, started):
    """The gather of a fan-out step (CELLPIPE_GATHER=1): see the top of this file."""
    _check_spec(spec)
    step = _Step(spec, events)
    step.prepare()
    events.emit("started", pipeline=spec["pipeline"], stepDir=spec["stepDir"], pid=_fan_os.getpid(), gather=True)
    try:
        fan_out = spec["fanOut"]
        count = _fan_count(step, fan_out)
        results = [_fan_instance_result(step, index, count) for index in range(count)]
        last = _fan_os.path.join(step.folder, _FAN_INSTANCES, str(count - 1)) if count else None
        loads = {entry["name"]: entry for entry in spec["plan"] if entry["kind"] == "load"}
        accumulators = set(fan_out.get("accumulators", []))
        for name in spec.get("outputs", []):
            if name in accumulators and name in loads:
                namespace = {}
                step.load(loads[name], namespace)
                base = namespace[name]
                values = []
                for index in range(count):
                    entry = {
                        "name": name,
                        "fromStepDir": _fan_instance_folder(spec["stepDir"], index),
                        "fromStep": "%s, item %d" % (spec["step"], index),
                    }
                    step.load(entry, namespace)
                    values.append(namespace.pop(name))
                step.save(name, _fan_merge(name, base, values))
            elif last is not None and name in results[-1].get("outputs", {}):
                step.outputs[name] = _fan_link(last, step.folder, name)
            elif name in loads:
                # No items: the value the loop found, untouched.
                namespace = {}
                step.load(loads[name], namespace)
                step.save(name, namespace[name])
            elif name not in spec.get("results", []):
                raise _StepError(
                    "output",
                    "output %r of step %r is not bound after the loop: the list %r has no items, so its body "
                    "never ran (Run All would fail the same way in the next step)" % (name, step.name, fan_out["over"]),
                    name=name,
                )
        if last is not None:
            for file in [_RANDOM_STATE_FILE % g for g in spec.get("randomStates", [])] + [_METRICS_FILE]:
                if _fan_os.path.exists(_fan_os.path.join(last, file)):
                    _fan_copy(_fan_os.path.join(last, file), _fan_os.path.join(step.folder, file))
            step.metrics = results[-1].get("metrics") or {}
        _fan_cell_outputs(step, spec, count)
    except BaseException as e:
        step.write_result("Failed", started, _failure(e)[1])
        raise
    step.write_result("Succeeded", started)
    events.emit("finished", status="Succeeded", items=count, seconds=round(_fan_time.time() - started, 6))
