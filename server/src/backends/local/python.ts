import { spawnSync } from 'node:child_process';
import type { Pipeline } from '../../../../src/core/pipeline';
import { stepEnvironment } from '../../stepEnvironment';
import { cellNumbers } from '../../../../src/core/notebook';

/**
 * Why the steps of `pipeline` cannot run their IPython magics with `python`, or undefined: a step
 * with magics runs them through IPython, which must be importable there. Asked before a local run
 * starts, so the user hears it at once rather than when that step's turn comes.
 */
export function magicsProblem(pipeline: Pipeline, python: string): string | undefined {
  const steps = pipeline.steps.filter(step => step.usesMagics);
  if (!steps.length) {
    return undefined;
  }
  const probe = spawnSync(python, ['-c', 'import importlib.util, sys; sys.exit(3 if importlib.util.find_spec("IPython") is None else 0)'], {
    stdio: 'ignore',
    env: stepEnvironment(), // the steps' Python: its site hooks see what a step would
    timeout: 30000
  });
  if (probe.status !== 3) {
    return undefined; // has IPython, or the interpreter itself fails: the run says so
  }
  const which = steps.map(step => `step '${step.name}' (cells ${cellNumbers(step.cells)})`).join(', ');
  return `${which} ${steps.length === 1 ? 'uses' : 'use'} IPython magics or shell commands, but ${python} cannot import IPython: install it there (\`${python} -m pip install ipython\`) or rewrite the magics as Python`;
}
