"""The same two pipelines as localRun.ts, on Kubeflow Pipelines' own local runner (kfp.local with
SubprocessRunner, no venv: the components run in this Python, as cellpipe's local steps do).

Prints one JSON object: {"kfp": version, "chainSeconds", "chainSteps", "branchesSeconds"}.
Run by `npm run bench` when kfp is importable: python server/bench/kfp_local.py CHAIN BRANCHES SLEEP
"""

import json
import logging
import sys
import tempfile
import time

import kfp
from kfp import dsl, local

CHAIN, BRANCHES, SLEEP = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])


@dsl.component
def add_one(v: int) -> int:
    return v + 1


@dsl.component
def nap(v: int, seconds: float) -> int:
    import time

    time.sleep(seconds)
    return v + 1


@dsl.pipeline
def chain() -> int:
    task = add_one(v=0)
    for _ in range(CHAIN - 1):
        task = add_one(v=task.output)
    return task.output


@dsl.pipeline
def branches():
    for b in range(BRANCHES):
        nap(v=nap(v=b, seconds=SLEEP).output, seconds=SLEEP)


def timed(pipeline):
    started = time.perf_counter()
    pipeline()
    return time.perf_counter() - started


def main():
    logging.disable(logging.INFO)  # kfp.local logs every task's inputs and outputs
    with tempfile.TemporaryDirectory(prefix="cellpipe-kfp-bench-") as root:
        local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root)
        figures = {
            "kfp": kfp.__version__,
            "chainSteps": CHAIN,
            "chainSeconds": timed(chain),
            "branchesSeconds": timed(branches),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
