"""Writes the openAPIV3Schema of the custom resources cellpipe creates on a cluster (TrainJob,
PyTorchJob, InferenceService) as JSON, without descriptions, into src/core/compile/cluster/crds/:
what the manifest specs and the fake API server validate against. The InferenceService's schema
is the subset cellpipe emits: every field of spec.predictor is listed, but only those cellpipe
writes keep their schema (the others, and the transformer, explainer and canary specs, accept
anything); the full CRD is 2 MB. Run with the reference CRDs' paths:

    python scripts/crd_schemas.py TRAINJOBS_CRD PYTORCHJOBS_CRD INFERENCESERVICES_CRD
"""

import json
import pathlib
import sys

import yaml

OUT = pathlib.Path(__file__).resolve().parent.parent / "src" / "core" / "compile" / "cluster" / "crds"
# spec.predictor fields whose schema is kept in the InferenceService subset.
PREDICTOR_FIELDS = {"model", "minReplicas", "maxReplicas", "serviceAccountName", "nodeSelector", "tolerations"}


def without_descriptions(node):
    if isinstance(node, dict):
        return {k: without_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [without_descriptions(v) for v in node]
    return node


def served_schema(path, version):
    crd = yaml.safe_load(pathlib.Path(path).read_text())
    (entry,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    return without_descriptions(entry["schema"]["openAPIV3Schema"])


def inference_service_subset(schema):
    spec = schema["properties"]["spec"]["properties"]
    for name in list(spec):
        if name != "predictor":
            spec[name] = {}
    predictor = spec["predictor"]["properties"]
    for name in list(predictor):
        if name not in PREDICTOR_FIELDS:
            predictor[name] = {}
    return schema


def main(trainjobs, pytorchjobs, inferenceservices):
    OUT.mkdir(parents=True, exist_ok=True)
    documents = {
        "trainjob.json": served_schema(trainjobs, "v1alpha1"),
        "pytorchjob.json": served_schema(pytorchjobs, "v1"),
        "inferenceservice.json": inference_service_subset(served_schema(inferenceservices, "v1beta1")),
    }
    for name, schema in documents.items():
        (OUT / name).write_text(json.dumps(schema, indent=None, separators=(",", ":"), sort_keys=True) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
