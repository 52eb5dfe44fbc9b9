import { compileArgoWorkflow } from '.';
import { pipelineOf } from '../cluster/__fixtures__/pipelines';
import { CLUSTER_CELL_OUTPUTS_LIMIT, RUNTIME_ENV } from '../runtime/contract';
import { notebookJson, step } from '../../__fixtures__/notebookBuilder';
import { generateNotebook } from '../../__fixtures__/generatedNotebook';
import { ARGO_CELL_OUTPUTS_BUDGET, argoCellOutputsLimit } from './cellOutputsLimit';

/** A pipeline of `count` steps, each tagged with `tags` too. */
function steps(count: number, ...tags: string[]) {
  return pipelineOf(notebookJson(Array.from({ length: count }, (_, i) => step(`s${i}`, `print(${i})`, ...tags))));
}

/** CELLPIPE_OUTPUTS_LIMIT as each step's container of the compiled Workflow sets it. */
function podLimits(count: number, ...tags: string[]): number[] {
  const pipeline = steps(count, ...tags);
  return compileArgoWorkflow(pipeline)
    .spec.templates.filter(t => pipeline.steps.some(s => s.id === t.name))
    .map(t => Number(t.script!.env!.find(e => e.name === RUNTIME_ENV.outputsLimit)!.value));
}

describe("the outputs limit of Argo steps: their documents share the Workflow's budget", () => {
  it('gives each step of a small pipeline the cluster limit', () => {
    expect(podLimits(3)).toEqual([CLUSTER_CELL_OUTPUTS_LIMIT, CLUSTER_CELL_OUTPUTS_LIMIT, CLUSTER_CELL_OUTPUTS_LIMIT]);
    expect(argoCellOutputsLimit(steps(8))).toBe(CLUSTER_CELL_OUTPUTS_LIMIT); // 8 x 64 KiB: the budget exactly
  });

  it('shares the budget among many steps, counting the copies a retried step leaves', () => {
    expect(new Set(podLimits(20))).toEqual(new Set([Math.floor(ARGO_CELL_OUTPUTS_BUDGET / 20)]));
    // retry:3: up to four attempts' pod nodes, and the retry node's copy of the last one.
    expect(argoCellOutputsLimit(steps(4, 'retry:3'))).toBe(Math.floor(ARGO_CELL_OUTPUTS_BUDGET / 20));
    for (const count of [9, 20, 100]) {
      expect(argoCellOutputsLimit(steps(count)) * count).toBeLessThanOrEqual(ARGO_CELL_OUTPUTS_BUDGET);
    }
  });

  it('leaves each step of a 300-step pipeline room for a few lines', () => {
    const notebook = generateNotebook(302);
    notebook.cells.slice(2).forEach((cell, i) => (cell.metadata = { tags: [`step:step_${i}`] }));
    expect(argoCellOutputsLimit(pipelineOf(notebook))).toBe(2 * 1024);
  });
});
