"""Compiled KFP files load in the real kfp SDK (kfp==2.16.0, scripts/requirements-dev.txt):
the PipelineSpec parses strictly as protobuf (unknown fields are rejected), the kubernetes
platform document parses as KubernetesExecutorConfig, and the loaded pipeline compiles again
with kfp's own compiler."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from google.protobuf import json_format  # noqa: E402
from kfp import compiler, components  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "jupyterlab_cellpipe" / "server" / "cellpipe.cjs"
CORPUS = REPO / "src" / "core" / "__fixtures__" / "notebooks"
FAN_OUT = REPO / "examples" / "fan-out.ipynb"

HOSTILE = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {"cellpipe": {"volume": {"size": "2Gi", "storageClass": "fast", "accessMode": "ReadWriteMany"}}},
    "cells": [
        {
            "cell_type": "code",
            "metadata": {"tags": ["pipeline-parameters"]},
            "outputs": [],
            "execution_count": None,
            "source": 'n = 3\nlr = 0.5\nlabel = "{{workflow.name}} $(id) \'q\' \\"d\\" données"\nflag = False\n'
            'items = [1, "{{x}}"]\nopts = {"k": [None]}\nnothing = None',
        },
        {
            "cell_type": "code",
            "metadata": {
                "tags": [
                    "step:it's {{first}}",
                    "limit:nvidia.com/gpu:1",
                    "limit:memory:2Gi",
                    "retry:2",
                    "timeout:1h",
                    "secret:creds:token:TOKEN",
                    "label:team:ml",
                ]
            },
            "outputs": [],
            "execution_count": None,
            "source": 'print("{{workflow.name}}")\nvalues = [label] * n',
        },
        {
            "cell_type": "code",
            "metadata": {"tags": ["step:数据 $(second)"]},
            "outputs": [],
            "execution_count": None,
            "source": "print(values, opts, items, flag, lr, nothing)",
        },
        {
            "cell_type": "code",
            "metadata": {"tags": ["step:other"]},
            "outputs": [],
            "execution_count": None,
            "source": "print(n)",
        },
    ],
}


@pytest.fixture(scope="module")
def cli() -> Path:
    subprocess.run(["node", str(REPO / "server" / "build.mjs")], cwd=REPO, check=True, capture_output=True)
    return CLI


def compile_kfp(cli: Path, notebook: Path, out: Path) -> Path:
    target = out / (notebook.stem + ".yaml")
    subprocess.run(
        ["node", str(cli), "compile", str(notebook), "--target", "kfp", "-o", str(target)],
        check=True,
        capture_output=True,
        text=True,
    )
    return target


def notebooks(tmp_path: Path) -> list[Path]:
    hostile = tmp_path / "hostile.ipynb"
    hostile.write_text(json.dumps(HOSTILE), encoding="utf-8")
    return sorted(CORPUS.glob("*.ipynb")) + [FAN_OUT, hostile]


def check_loads(path: Path, tmp_path: Path) -> None:
    from kfp.kubernetes import kubernetes_executor_config_pb2
    from kfp.pipeline_spec import pipeline_spec_pb2

    documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    assert len(documents) == 2
    json_format.ParseDict(documents[0], pipeline_spec_pb2.PipelineSpec())  # strict: unknown fields raise
    platform = pipeline_spec_pb2.PlatformSpec()
    json_format.ParseDict(documents[1], platform)
    executors = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    for name, config in executors.items():
        assert name in documents[0]["deploymentSpec"]["executors"]
        json_format.ParseDict(config, kubernetes_executor_config_pb2.KubernetesExecutorConfig())

    component = components.load_component_from_file(str(path))
    assert component.pipeline_spec.schema_version == "2.1.0"
    assert set(component.pipeline_spec.root.dag.tasks) == set(documents[0]["root"]["dag"]["tasks"])
    assert component.platform_spec.platforms["kubernetes"].deployment_spec.executors

    again = tmp_path / ("again-" + path.name)
    compiler.Compiler().compile(component, str(again))
    assert (
        components.load_component_from_file(str(again)).pipeline_spec.root.dag.tasks.keys()
        == component.pipeline_spec.root.dag.tasks.keys()
    )


def test_compiled_kfp_files_load_in_the_kfp_sdk(cli: Path, tmp_path: Path):
    for notebook in notebooks(tmp_path):
        check_loads(compile_kfp(cli, notebook, tmp_path), tmp_path)


def test_parameters_keep_their_types(cli: Path, tmp_path: Path):
    hostile = notebooks(tmp_path)[-1]
    component = components.load_component_from_file(str(compile_kfp(cli, hostile, tmp_path)))
    parameters = component.pipeline_spec.root.input_definitions.parameters
    types = {name: pipeline_spec_types(p.parameter_type) for name, p in parameters.items()}
    assert types == {
        "n": "NUMBER_INTEGER",
        "lr": "NUMBER_DOUBLE",
        "label": "STRING",
        "flag": "BOOLEAN",
        # A default holding template syntax ({{x}}) goes as escaped JSON text, which the step reads
        # back: Argo, which runs KFP, would substitute {{...}} (compile/kfp/compile.ts).
        "items": "STRING",
        "opts": "STRUCT",
        "nothing": "STRING",
    }
    for name, value in (("label", "{{workflow.name}} $(id) 'q' \"d\" données"), ("items", [1, "{{x}}"])):
        text = parameters[name].default_value.string_value
        assert "{{" not in text and "$(" not in text
        assert json.loads(text) == value


def test_a_fan_out_step_stays_a_loop_over_its_producers_list(cli: Path, tmp_path: Path):
    """The `foreach:` step's ParallelFor (docs/fan-out.md) as kfp reads it, and after kfp compiled it again."""
    first = compile_kfp(cli, FAN_OUT, tmp_path)
    again = tmp_path / "again.yaml"
    compiler.Compiler().compile(components.load_component_from_file(str(first)), str(again))
    for path in (first, again):
        spec = components.load_component_from_file(str(path)).pipeline_spec
        loop = spec.root.dag.tasks["train--items"]
        assert loop.parameter_iterator.items.input_parameter == "pipelinechannel--split-cellpipe_items_0"
        assert (
            loop.inputs.parameters["pipelinechannel--split-cellpipe_items_0"].task_output_parameter.producer_task
            == "split"
        )
        assert list(spec.components["comp-train--items"].dag.tasks) == ["train--item"]
        assert list(spec.root.dag.tasks["train"].dependent_tasks) == ["train--items"]
        assert (
            pipeline_spec_types(
                spec.components["comp-split"].output_definitions.parameters["cellpipe_items_0"].parameter_type
            )
            == "LIST"
        )


def test_a_fan_out_steps_parallelism_limit_survives_kfp(cli: Path, tmp_path: Path):
    """foreach:NAME:N is the loop's iteratorPolicy.parallelismLimit, as kfp reads it and writes it again."""
    notebook = json.loads(FAN_OUT.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        cell.setdefault("metadata", {})["tags"] = [("foreach:folds:2" if t == "foreach:folds" else t) for t in tags]
    limited = tmp_path / "limited.ipynb"
    limited.write_text(json.dumps(notebook), encoding="utf-8")
    first = compile_kfp(cli, limited, tmp_path)
    again = tmp_path / "again.yaml"
    compiler.Compiler().compile(components.load_component_from_file(str(first)), str(again))
    for path in (first, again):
        loop = components.load_component_from_file(str(path)).pipeline_spec.root.dag.tasks["train--items"]
        assert loop.iterator_policy.parallelism_limit == 2


def pipeline_spec_types(value: int) -> str:
    from kfp.pipeline_spec import pipeline_spec_pb2

    return pipeline_spec_pb2.ParameterType.ParameterTypeEnum.Name(value)


def code_cell(tags: list[str], source: str) -> dict:
    return {"cell_type": "code", "metadata": {"tags": tags}, "outputs": [], "execution_count": None, "source": source}


DISTRIBUTED = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {"cellpipe": {"volume": {"accessMode": "ReadWriteMany"}}},
    "cells": [
        code_cell(
            ["step:load"], "from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)\nX_test = X[:5]"
        ),
        code_cell(
            ["step:train", "workers:4", "limit:nvidia.com/gpu:1"], "import os\nseen = len(X) + int(os.environ['RANK'])"
        ),
        code_cell(
            ["step:fit", "serve:model:X_test"],
            "from sklearn.linear_model import LogisticRegression\n"
            "model = LogisticRegression().fit(X, y)\n"
            "print(model.predict(X_test))",
        ),
    ],
}


def test_distributed_and_served_steps_load_in_the_kfp_sdk(cli: Path, tmp_path: Path):
    notebook = tmp_path / "distributed.ipynb"
    notebook.write_text(json.dumps(DISTRIBUTED), encoding="utf-8")
    compiled = compile_kfp(cli, notebook, tmp_path)
    check_loads(compiled, tmp_path)
    tasks = yaml.safe_load_all(compiled.read_text(encoding="utf-8")).__next__()["root"]["dag"]["tasks"]
    assert tasks["fit--serve"]["dependentTasks"] == ["fit"]
