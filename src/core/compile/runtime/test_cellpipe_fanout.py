"""The fan-out modes of the step runtime (cellpipe_fanout.py), run as steps really run: a producer
writing its item list, instances (CELLPIPE_ITEM) and a gather (CELLPIPE_GATHER), each a separate
Python process. The happy paths run end to end in server/src/backends/local/fanOut.spec.ts and
the Run All equivalence cases; these are the edges: what the gather refuses, and why."""

import json

import pytest
from test_cellpipe_runtime import Runner, code, load, make_spec


def fan_out_spec(loop, outputs, accumulators, inputs=("items",)):
    spec = make_spec(
        "each",
        [load(name, "make") for name in inputs] + [dict(code(loop, "<cell 3: step each>"), cell=2)],
        outputs=outputs,
    )
    spec["fanOut"] = {"over": "items", "fromStepDir": "make", "cell": 2, "accumulators": list(accumulators)}
    return spec


@pytest.fixture
def runner(tmp_path):
    return Runner(tmp_path)


def produce(runner, make):
    spec = make_spec("make", [code(make, "<cell 2: step make>")], outputs=["items", "acc"])
    spec["itemLists"] = ["items"]
    runner.ok(spec)
    return json.loads((runner.data / "make" / ".items-items.json").read_text())


def run_items(runner, spec, count):
    return [runner.run(spec, env={"CELLPIPE_ITEM": str(i)}) for i in range(count)]


def test_the_producer_writes_the_item_list_and_each_instance_runs_one_item(runner):
    assert produce(runner, "items = ['a', 'b', 'c']\nacc = []") == [0, 1, 2]
    spec = fan_out_spec(
        "for i, x in enumerate(items):\n    acc.append((i, x))\n    print(i, x)", ["acc"], ["acc"], ("items", "acc")
    )
    results = run_items(runner, spec, 3)
    assert [r.stdout for r in results] == ["0 a\n", "1 b\n", "2 c\n"]
    gathered = runner.run(spec, env={"CELLPIPE_GATHER": "1"})
    assert gathered.rc == 0, gathered.stderr
    assert gathered.step_json["status"] == "Succeeded"
    assert sorted(gathered.step_json["outputs"]) == ["acc"]


def test_a_list_without_a_length_fails_the_producer_naming_the_fan_out(runner):
    spec = make_spec("make", [code("items = iter([1, 2])\nacc = []", "<cell 2: step make>")], outputs=["acc"])
    spec["itemLists"] = ["items"]
    result = runner.run(spec)
    assert result.rc == 3
    assert "has no length: a foreach:items step runs once per item" in result.event("failed")["message"]


def test_the_gather_refuses_an_accumulator_it_cannot_merge(runner):
    produce(runner, "items = [1, 2]\nacc = 'text'")
    spec = fan_out_spec("for x in items:\n    acc = acc.upper()", ["acc"], ["acc"], ("items", "acc"))
    run_items(runner, spec, 2)
    gathered = runner.run(spec, env={"CELLPIPE_GATHER": "1"})
    assert gathered.rc == 3
    message = gathered.event("failed")["message"]
    assert "cannot gather 'acc': it is a str; the gather merges lists, dicts and sets" in message


def test_the_gather_fails_when_an_item_did_not_succeed_and_names_it(runner):
    produce(runner, "items = [1, 0, 2]\nacc = []")
    spec = fan_out_spec("for x in items:\n    acc.append(1 / x)", ["acc"], ["acc"], ("items", "acc"))
    results = run_items(runner, spec, 3)
    assert [r.rc for r in results] == [0, 1, 0]
    gathered = runner.run(spec, env={"CELLPIPE_GATHER": "1"})
    assert gathered.rc == 3
    assert gathered.event("failed")["message"].startswith("item 2 of 3 did not succeed: ")
    assert gathered.step_json["status"] == "Failed"


def test_an_instance_refuses_an_item_index_that_is_not_one(runner):
    produce(runner, "items = [1]\nacc = []")
    spec = fan_out_spec("for x in items:\n    acc.append(x)", ["acc"], ["acc"], ("items", "acc"))
    result = runner.run(spec, env={"CELLPIPE_ITEM": "-1"})
    assert result.rc == 2
    assert "CELLPIPE_ITEM must be an item index" in result.event("failed")["message"]
