/**
 * A compiled notebook on the executing fake Kubernetes (fakeArgoExecutor.ts: each step a pod of
 * `python:3.12-slim`, Python and pip only, only the volume surviving it), followed by the
 * KubernetesBackend: what each step's cells showed comes back through the step's
 * CELL_OUTPUTS_PARAMETER into the run store, announced as 'cell-outputs' events, with the
 * document kept under the limit the pods' env sets.
 */
import { compileArgoWorkflow } from '../../../../src/core/compile/argo';
import { validateArgoWorkflow } from '../../../../src/core/compile/argo/validate';
import { pipelineOf } from '../../../../src/core/compile/cluster/__fixtures__/pipelines';
import { CELL_OUTPUTS_PARAMETER, CLUSTER_CELL_OUTPUTS_LIMIT, RUNTIME_ENV } from '../../../../src/core/compile/runtime/contract';
import { notebookJson, step } from '../../../../src/core/__fixtures__/notebookBuilder';
import type { RunEvent } from '../../../../src/core/run/types';
import { RunStore } from '../runStore';
import { useExecutingFakeCluster } from '../testing/executingFakeCluster';
import { kubeConfigFrom } from '../testing/fixtures';
import { KubernetesBackend } from './kubernetesBackend';

const NS = 'ml-team';
const cluster = useExecutingFakeCluster();

/** Cells 1-4: three steps that print and end on an expression, the second one printing 200 KiB, the third raising. */
const notebook = notebookJson([
  { markdown: '# cell outputs on a cluster' },
  step('load', 'rows = [3, 1, 2]\nprint("loaded", len(rows), "rows")\nlen(rows)'),
  step('stats', 'total = sum(rows)\nprint("x" * 200 * 1024)\n"total %d" % total'),
  step('boom', 'print("about to fail at", total)\nraise ValueError("no rows left")'),
  { code: 'print("after the error")', tags: ['step:boom'] }
]);

describe('cell outputs of an Argo run on the executing fake', () => {
  test("each step's document reaches the run store as its pod ends, announced, under the pods' limit", async () => {
    const pipeline = pipelineOf(notebook);
    const workflow = compileArgoWorkflow(pipeline);
    expect(validateArgoWorkflow(workflow)).toEqual([]);
    for (const template of workflow.spec.templates.filter(t => pipeline.steps.some(s => s.id === t.name))) {
      expect(template.script?.env).toContainEqual({ name: RUNTIME_ENV.outputsLimit, value: String(CLUSTER_CELL_OUTPUTS_LIMIT) });
      expect(template.outputs?.parameters?.map(p => p.name)).toContain(CELL_OUTPUTS_PARAMETER);
    }

    const events: RunEvent[] = [];
    const store = new RunStore(cluster.home);
    const backend = new KubernetesBackend({ store, kubeConfig: kubeConfigFrom(cluster.fake.kubeconfig(NS)), onEvent: e => events.push(e) });
    const handle = await backend.submit({
      workflow,
      pipelineName: pipeline.name,
      parameters: {},
      steps: pipeline.steps.map(s => ({ id: s.id, name: s.name, dependsOn: s.dependsOn }))
    });
    const state = await handle.done;
    expect(state.steps.map(s => `${s.id}:${s.status}`)).toEqual(['load:Succeeded', 'stats:Succeeded', 'boom:Failed']);

    // Each step's cells, as the runtime in its pod captured them (no IPython in the image: repr).
    const load = store.readCellOutputs(state.runId, 'load')!;
    expect(load.cells.map(c => [c.cell, c.status, c.outputs])).toEqual([
      [
        1,
        'ok',
        [
          { output_type: 'stream', name: 'stdout', text: 'loaded 3 rows\n' },
          { output_type: 'execute_result', data: { 'text/plain': '3' }, metadata: {}, execution_count: null }
        ]
      ]
    ]);
    const boom = store.readCellOutputs(state.runId, 'boom')!;
    expect(boom.cells.map(c => c.cell)).toEqual([3]); // the step stopped at the error, as Run All does
    expect(boom.cells[0].status).toBe('error');
    expect(boom.cells[0].outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'about to fail at 6\n' },
      expect.objectContaining({ output_type: 'error', ename: 'ValueError', evalue: 'no rows left' })
    ]);

    // The 200 KiB print: the pod's env set CELLPIPE_OUTPUTS_LIMIT, so the runtime replaced it by a
    // note and the document stayed under the limit, the step's last value kept.
    const stats = store.readCellOutputs(state.runId, 'stats')!;
    expect(Buffer.byteLength(JSON.stringify(stats))).toBeLessThanOrEqual(CLUSTER_CELL_OUTPUTS_LIMIT);
    const [note, value] = stats.cells[0].outputs;
    expect(note).toEqual({
      output_type: 'stream',
      name: 'stderr',
      text: "[cellpipe: an output of 200 KiB is left out: a step keeps 64 KiB of outputs (CELLPIPE_OUTPUTS_LIMIT); its text is in the step's log]\n"
    });
    expect(value).toMatchObject({ output_type: 'execute_result', data: { 'text/plain': "'total 6'" } });
    // ... while the step's log has every byte it printed.
    expect(store.readLog(state.runId, 'stats')).toContain('x'.repeat(200 * 1024));

    const announced = events.flatMap(e => (e.type === 'cell-outputs' ? [[e.stepId, e.cells]] : []));
    expect(announced).toEqual([
      ['load', [1]],
      ['stats', [2]],
      ['boom', [3]]
    ]);
    // Announced once the run store has the document: after the step's own end.
    for (const stepId of ['load', 'stats', 'boom']) {
      const ended = events.findIndex(e => e.type === 'step' && e.step.id === stepId && (e.step.status === 'Succeeded' || e.step.status === 'Failed'));
      const outputs = events.findIndex(e => e.type === 'cell-outputs' && e.stepId === stepId);
      expect(ended).toBeGreaterThanOrEqual(0);
      expect(outputs).toBeGreaterThanOrEqual(ended);
    }
  }, 300_000);
});
