# ruff: noqa: F821 (the runtime's names, defined around this source in the runtime file)
# cellpipe distributed steps (docs/distributed-and-serving.md): a step tagged workers:N runs as N
# processes, each the same step script with torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK,
# MASTER_ADDR, MASTER_PORT). Kubeflow Trainer's node pods set only PET_* variables (torchrun reads
# those): a step run without torchrun takes its rank from them, one process per node.
# Rank 0 is the step: it saves the outputs, metrics and result document in the step's folder.
# Every other rank runs the same code, saves nothing, and records how it ended in
# <step>/ranks/<rank>/ (its own result document and cell outputs).
import os as _dist_os

_DIST_RANKS = "ranks"
# torchrun's variables, from Trainer's PET_* ones (one process per node) when unset.
_DIST_FROM_PET = {
    "RANK": "PET_NODE_RANK",
    "GROUP_RANK": "PET_NODE_RANK",
    "WORLD_SIZE": "PET_NNODES",
    "MASTER_ADDR": "PET_MASTER_ADDR",
    "MASTER_PORT": "PET_MASTER_PORT",
}


def _dist_rank(spec):
    """The rank this process runs (0 for the step's own process), or None for a step with one worker."""
    if not spec.get("distributed"):
        return None
    environ = _dist_os.environ
    for name, pet in _DIST_FROM_PET.items():
        if name not in environ and pet in environ:
            environ[name] = environ[pet]
    if "RANK" in environ and "LOCAL_RANK" not in environ and "PET_NODE_RANK" in environ:
        environ.setdefault("LOCAL_RANK", "0")
        environ.setdefault("LOCAL_WORLD_SIZE", "1")
    text = environ.get("RANK", "0")
    if not text.isdigit():
        raise _StepError("environment", "RANK must be a worker's rank (0, 1, ...), not %r" % text)
    return int(text)


def _dist_folder(step_dir, rank):
    """Where a rank other than 0 writes (its result and outputs): the step's folder is rank 0's."""
    return "%s/%s/%d" % (step_dir, _DIST_RANKS, rank)
