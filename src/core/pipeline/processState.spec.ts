/**
 * Process state in the plan a step runs (analysis/processStateFlow.ts decides what is carried):
 * replayed configuration among the declarations, in notebook order, and random states restored
 * and saved.
 */
import { notebookJson, step, type CellSpec } from '../__fixtures__/notebookBuilder';
import { analyzeNotebook } from '../analysis';
import { parseNotebook } from '../notebook';
import { buildPipeline } from './build';
import type { Pipeline } from './types';

function pipelineOf(cells: CellSpec[]): Pipeline {
  const notebook = parseNotebook(JSON.stringify(notebookJson(cells))).notebook!;
  return buildPipeline(notebook, analyzeNotebook(notebook));
}

/** A step's plan, one line an item: code as `role: source`, other items by kind. */
function planOf(pipeline: Pipeline, index: number): string[] {
  return pipeline.steps[index].plan.map(item => (item.kind === 'code' ? `${item.role}: ${item.source.trim()}` : item.kind));
}

describe('process state in the step plan', () => {
  test('a replay that uses a value loads it, and runs after the loads', () => {
    const cells = [step('a', 'token = "t"'), step('b', 'import os\nos.environ["TOKEN"] = token'), step('c', 'print(len(os.environ["TOKEN"]))')];
    const plan = planOf(pipelineOf(cells), 2);
    expect(plan).toEqual(['declaration: import os', 'load', 'replay: os.environ["TOKEN"] = token', 'cell: print(len(os.environ["TOKEN"]))']);
  });

  test('replays and declarations run in notebook order: the import path before the import it enables', () => {
    const cells = [step('a', 'import sys\nsys.path.append("lib")'), step('b', 'import mylib\nx = mylib.f()'), step('c', 'print(mylib.g(x))')];
    const plan = planOf(pipelineOf(cells), 2);
    expect(plan).toEqual([
      'declaration: import sys',
      'replay: sys.path.append("lib")',
      'declaration: import mylib',
      'load',
      'cell: print(mylib.g(x))'
    ]);
  });

  test('the pipeline saves and restores the state: random plan items and randomStates', () => {
    const cells = [step('a', 'import numpy as np\nnp.random.seed(0)'), step('b', 'print(np.random.rand())')];
    const pipeline = pipelineOf(cells);
    expect(pipeline.steps[0].randomStates).toEqual(['numpy']);
    expect(pipeline.steps[1].plan.filter(item => item.kind === 'random')).toEqual([
      { kind: 'random', generator: 'numpy', fromStepDir: pipeline.steps[0].id, fromStep: 'a' }
    ]);
  });
});
