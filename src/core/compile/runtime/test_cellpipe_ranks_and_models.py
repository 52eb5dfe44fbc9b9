"""Distributed steps' ranks (cellpipe_distributed.py) and served models (cellpipe_serve.py) in the
step runtime, run as steps really run. The local backend's runs of both are in
server/src/backends/local/distributed.spec.ts and serve.spec.ts."""

import json

import pytest
from test_cellpipe_runtime import Runner, code, make_spec


@pytest.fixture
def runner(tmp_path):
    return Runner(tmp_path)


def distributed(source, outputs=("seen",)):
    spec = make_spec("train", [code(source, "<cell 2: step train>")], outputs=outputs)
    spec["distributed"] = {"workers": 2}
    return spec


RANK_ENV = (
    "import os\n"
    'seen = {k: os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}\n'
    "print(seen)"
)


def test_trainer_pet_variables_become_torchrun_ones_for_a_node_without_torchrun(runner):
    pet = {"PET_NODE_RANK": "1", "PET_NNODES": "2", "PET_MASTER_ADDR": "node-0.svc", "PET_MASTER_PORT": "29400"}
    result = runner.ok(distributed(RANK_ENV), env=dict(pet, RANK=None, WORLD_SIZE=None, LOCAL_RANK=None))
    assert result.stdout.strip() == str(
        {"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "0", "MASTER_ADDR": "node-0.svc", "MASTER_PORT": "29400"}
    )
    # rank 1 saves nothing in the step's folder: its record is in ranks/1
    assert not (runner.data / "train" / ".step.json").exists()
    assert json.loads((runner.data / "train" / "ranks" / "1" / ".step.json").read_text())["status"] == "Succeeded"
    assert not list((runner.data / "train" / "ranks" / "1").glob("seen.*"))


def test_rank_zero_saves_the_step_outputs(runner):
    result = runner.ok(
        distributed(RANK_ENV), env={"RANK": "0", "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"}
    )
    assert result.step_json["status"] == "Succeeded"
    assert sorted(result.step_json["outputs"]) == ["seen"]


def test_a_served_value_that_is_not_a_scikit_learn_model_fails_the_step_saying_so(runner):
    spec = make_spec(
        "train",
        [code("class Model:\n    def predict(self, x):\n        return x\nmodel = Model()", "<cell 2: step train>")],
    )
    spec["serve"] = {"model": "model", "sample": None, "name": "m"}
    result = runner.run(spec, env={"CELLPIPE_MODELS_DIR": str(runner.tmp / "models")})
    assert result.rc == 3
    assert "cellpipe serves scikit-learn models" in result.event("failed")["message"]


def test_a_served_model_is_saved_in_kserves_layout_with_the_notebooks_predictions(runner):
    pytest.importorskip("sklearn")
    source = (
        "from sklearn.tree import DecisionTreeClassifier\n"
        "X = [[0, 0], [1, 1], [2, 2]]\n"
        "model = DecisionTreeClassifier().fit(X, [0, 1, 1])"
    )
    spec = make_spec("train", [code(source, "<cell 2: step train>")])
    spec["serve"] = {"model": "model", "sample": "X", "name": "trees"}
    result = runner.ok(spec, env={"CELLPIPE_MODELS_DIR": str(runner.tmp / "models"), "CELLPIPE_RUN_ID": "run-1"})
    served = json.loads((result.folder / ".serve.json").read_text())
    assert served["path"] == str(runner.tmp / "models" / "trees" / "run-1")
    assert (runner.tmp / "models" / "trees" / "run-1" / "model.joblib").exists()
    assert served["instances"] == [[0, 0], [1, 1], [2, 2]]
    assert served["predictions"] == [0, 1, 1]
    assert result.event("model-saved")["name"] == "trees"
