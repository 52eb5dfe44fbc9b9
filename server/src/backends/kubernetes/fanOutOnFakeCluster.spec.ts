/**
 * A fan-out step (docs/fan-out.md) compiled for Argo and run on the executing fake cluster
 * (fakeArgoExecutor.ts: each pod a fresh `python:3.12-slim`, only the volume surviving it): the
 * items run `withParam` as pods of their own, at most `foreach:NAME:N` at once, the gather merges
 * them, and the step after sees what the loop leaves (what the items and the step after print is
 * what Run All's loop prints); a failing item fails the step, naming it, and no other item starts.
 */
import { spawnSync } from 'node:child_process';
import { compileArgoWorkflow, type ArgoWorkflow } from '../../../../src/core/compile/argo';
import { validateArgoWorkflow } from '../../../../src/core/compile/argo/validate';
import { pipelineOf } from '../../../../src/core/compile/cluster/__fixtures__/pipelines';
import { notebookJson } from '../../../../src/core/__fixtures__/notebookBuilder';
import { RunStore } from '../runStore';
import { useExecutingFakeCluster } from '../testing/executingFakeCluster';
import { kubeConfigFrom } from '../testing/fixtures';
import { KubernetesBackend } from './kubernetesBackend';

const NS = 'ml-team';
const cluster = useExecutingFakeCluster({ parallelism: 8 });

/** Items note how many items are running as they start, on the shared volume (a file each). */
const LOOP = [
  'for i, fold in enumerate(folds):',
  '    if fold < 0:',
  '        raise ValueError(f"fold {fold} is bad")',
  '    marker = os.path.join(os.environ["CELLPIPE_DATA_DIR"], f"running-{i}")',
  '    open(marker, "w").close()',
  '    time.sleep(0.5)',
  '    at_once = len([f for f in os.listdir(os.environ["CELLPIPE_DATA_DIR"]) if f.startswith("running-")])',
  '    os.remove(marker)',
  '    scores.append(fold * 10)',
  '    peaks[i] = at_once',
  '    print("fold", fold)'
].join('\n');

/** The notebook's code cells over `folds`. */
const cells = (folds: number[]): Array<{ code: string; tags: string[] }> => [
  { code: 'import os, time', tags: ['imports'] },
  { code: `folds = ${JSON.stringify(folds)}\nscores = []\npeaks = {}`, tags: ['step:make'] },
  { code: LOOP, tags: ['step:train', 'foreach:folds:2'] },
  { code: 'print(scores, max(peaks.values()) <= 2, fold)', tags: ['step:report'] }
];

/** What Run All prints: the cells top to bottom in one fresh Python (its own folder for the markers). */
function runAllPrints(folds: number[]): string {
  const run = spawnSync(
    'python3',
    [
      '-c',
      cells(folds)
        .map(c => c.code)
        .join('\n')
    ],
    { env: { ...process.env, CELLPIPE_DATA_DIR: cluster.home }, encoding: 'utf8' }
  );
  expect(run.status).toBe(0);
  return run.stdout;
}

/** Runs the notebook over `folds`; `change` edits the compiled Workflow first. */
async function run(folds: number[], change: (workflow: ArgoWorkflow) => void = () => {}) {
  const pipeline = pipelineOf(notebookJson(cells(folds)));
  const workflow = compileArgoWorkflow(pipeline);
  change(workflow);
  expect(validateArgoWorkflow(workflow)).toEqual([]);
  const store = new RunStore(cluster.home);
  const backend = new KubernetesBackend({ store, kubeConfig: kubeConfigFrom(cluster.fake.kubeconfig(NS)) });
  const handle = await backend.submit({
    workflow,
    pipelineName: pipeline.name,
    parameters: {},
    steps: pipeline.steps.map(s => ({ id: s.id, name: s.name, dependsOn: s.dependsOn }))
  });
  return { state: await handle.done, backend, store };
}

/** A step's printed text as its cell outputs (the gathered document for a fan-out step) show it. */
const printed = (store: RunStore, runId: string, stepId: string): string =>
  store
    .readCellOutputs(runId, stepId)!
    .cells.flatMap(c => c.outputs)
    .map(o => (o.output_type === 'stream' ? (o as { text: string }).text : ''))
    .join('');

describe('a fan-out step on the executing fake Argo cluster', () => {
  test('runs each item as a pod, two at once, and the step after sees what the loop leaves', async () => {
    const { state, backend, store } = await run([3, 1, 4, 1, 5]);
    expect(state.steps.map(s => `${s.id}:${s.status}`)).toEqual(['make:Succeeded', 'train:Succeeded', 'report:Succeeded']);
    expect(state.steps[1].instances?.map(i => i.status)).toEqual(Array(5).fill('Succeeded'));
    expect(await backend.stepLog(state, 'report')).toBe('[30, 10, 40, 10, 50] True 5\n');
    // Execution equivalence: the items' prints in item order, then the step after, are what Run All's loop prints.
    expect(printed(store, state.runId, 'train') + printed(store, state.runId, 'report')).toBe(runAllPrints([3, 1, 4, 1, 5]));
  }, 300_000);

  test('a failing item fails the step, naming the item; the running item ends, no other starts, the step after does not run', async () => {
    // Items 0 and 1 start together; item 1 fails at once, while item 0 sleeps: item 2 never starts (failFast).
    const { state } = await run([3, -1, 4]);
    const train = state.steps[1];
    expect(train.status).toBe('Failed');
    expect(train.message).toMatch(/^item 2 of 3 failed: ValueError: fold -1 is bad/);
    expect(train.failure).toMatchObject({ cell: 2, line: 3 });
    expect(train.instances?.map(i => i.status)).toEqual(['Succeeded', 'Failed', 'Skipped']);
    expect(state.steps[2].status).not.toBe('Succeeded');
  }, 300_000);

  test("without the items template's failFast, as on Argo, every item runs before the step fails", async () => {
    const { state } = await run([3, -1, 4], workflow => delete workflow.spec.templates.find(t => t.name === 'train--items')!.failFast);
    expect(state.steps[1].instances?.map(i => i.status)).toEqual(['Succeeded', 'Failed', 'Succeeded']);
    expect(state.steps[1].message).toMatch(/^item 2 of 3 failed/);
  }, 300_000);
});
