/**
 * Cell outputs brought back from Argo (cellOutputsParameter.ts) against the scenario fake: each
 * ended step's CELL_OUTPUTS_PARAMETER saved into the run store and announced as a 'cell-outputs'
 * event, while the run is followed and when a stored run is read again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CELL_OUTPUTS_PARAMETER } from '../../../../src/core/compile/runtime/contract';
import type { StepCellOutputs } from '../../../../src/core/run/cellOutputs';
import type { RunEvent } from '../../../../src/core/run/types';
import { RunStore } from '../runStore';
import { argoScenario, type AttemptOutcome, type Scenario } from '../testing/argoScenario';
import { FakeKubernetes } from '../testing/fakeKubernetes';
import { demoSteps, demoWorkflow, kubeConfigFrom, storedDemoRun } from '../testing/fixtures';
import type { ArgoWorkflow } from './argoWorkflow';
import { KubernetesBackend, refreshKubernetesRun } from './kubernetesBackend';

let home: string;
let fake: FakeKubernetes | undefined;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'cellpipe-k8s-outputs-'));
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  rmSync(home, { recursive: true, force: true });
});

/** A step's document as the runtime writes it: one record per cell, each with one stream output. */
function outputsOf(step: string, cells: Record<number, string>): StepCellOutputs {
  return {
    version: 1,
    step,
    cells: Object.entries(cells).map(([cell, text]) => ({
      cell: Number(cell),
      status: 'ok',
      startedAt: '2026-01-01T12:00:00Z',
      finishedAt: '2026-01-01T12:00:01Z',
      outputs: [{ output_type: 'stream', name: 'stdout', text }]
    }))
  };
}

const LOAD = outputsOf('Load data', { 2: 'loaded 3 rows\n' });
const TRAIN = outputsOf('train', { 3: 'epoch 1\n', 4: 'accuracy 0.9\n' });
const parameterFiles = (documents: Record<string, StepCellOutputs | string>): Record<string, Record<string, string>> =>
  Object.fromEntries(
    Object.entries(documents).map(([step, document]) => [
      step,
      { [CELL_OUTPUTS_PARAMETER]: typeof document === 'string' ? document : JSON.stringify(document) }
    ])
  );

/** Runs the demo workflow (load -> train -> report) on a fake replaying `scenario`; the events and the store. */
async function follow(scenario: (workflow: ArgoWorkflow) => Scenario) {
  fake = new FakeKubernetes({ scenario });
  await fake.start();
  const events: RunEvent[] = [];
  const store = new RunStore(home);
  const backend = new KubernetesBackend({
    store,
    kubeConfig: kubeConfigFrom(fake.kubeconfig('team-a')),
    onEvent: e => events.push(e),
    retryDelayMs: 5
  });
  const handle = await backend.submit({ workflow: demoWorkflow(), pipelineName: 'Demo', parameters: {}, steps: demoSteps });
  return { state: await handle.done, events, store };
}

/** The events of the run as `step:status` and `outputs:step:cells`, in order. */
const timeline = (events: RunEvent[]): string[] =>
  events.flatMap(e =>
    e.type === 'step' ? [`${e.step.id}:${e.step.status}`] : e.type === 'cell-outputs' ? [`outputs:${e.stepId}:${e.cells.join(',')}`] : []
  );

describe("Argo steps' cell outputs, while the run is followed", () => {
  test("each ended step's document is saved and announced after its end; a step without one (the parameter's default) has none", async () => {
    const { state, events, store } = await follow(wf => argoScenario(wf, { train: ['Failed'] }, parameterFiles({ load: LOAD, train: TRAIN })));
    expect(state.status).toBe('Failed');
    expect(timeline(events)).toEqual([
      'load:Running',
      'load:Succeeded',
      'outputs:load:2',
      'train:Running',
      'train:Failed', // a failed step's outputs come back too: its error is among them
      'outputs:train:3,4',
      'report:Skipped'
    ]);
    expect(store.readCellOutputs(state.runId, 'load')).toEqual(LOAD);
    expect(store.readCellOutputs(state.runId, 'train')).toEqual(TRAIN);
    expect(store.readCellOutputs(state.runId, 'report')).toBeUndefined();
  });

  test('a retried step: the last attempt’s document, announced once', async () => {
    const { state, events, store } = await follow(wf => argoScenario(wf, { train: ['Failed', 'Succeeded'] }, parameterFiles({ train: TRAIN })));
    expect(state.status).toBe('Succeeded');
    expect(timeline(events).filter(e => e.startsWith('outputs:'))).toEqual(['outputs:train:3,4']);
    expect(store.readCellOutputs(state.runId, 'train')).toEqual(TRAIN);
  });

  test('a parameter that is not an outputs document is not saved', async () => {
    const { state, events, store } = await follow(wf => argoScenario(wf, {}, parameterFiles({ load: '{"not": "outputs"}', train: 'not JSON' })));
    expect(state.status).toBe('Succeeded');
    expect(timeline(events).filter(e => e.startsWith('outputs:'))).toEqual([]);
    expect(store.readCellOutputs(state.runId, 'load')).toBeUndefined();
    expect(store.readCellOutputs(state.runId, 'train')).toBeUndefined();
  });

  // Argo before 3.6.11 / 3.7.2 may mark a pod node Succeeded before its output parameters are in
  // the node's status (argo-workflows#14497): the document then arrives with a later update.
  test('a document that reaches the node after the step ended is saved and announced then', async () => {
    const { state, events, store } = await follow(wf => {
      const scenario = argoScenario(wf, {}, parameterFiles({ load: LOAD }));
      const loadEnded = scenario.frames.findIndex(frame =>
        Object.values(frame.status.nodes ?? {}).some(node => node.displayName === 'load' && node.phase === 'Succeeded')
      );
      const early = structuredClone(scenario.frames[loadEnded]);
      for (const node of Object.values(early.status.nodes ?? {})) {
        if (node.displayName === 'load') {
          node.outputs!.parameters = node.outputs!.parameters!.filter(p => p.name !== CELL_OUTPUTS_PARAMETER);
        }
      }
      scenario.frames.splice(loadEnded, 0, early);
      return scenario;
    });
    expect(state.status).toBe('Succeeded');
    expect(timeline(events).slice(0, 3)).toEqual(['load:Running', 'load:Succeeded', 'outputs:load:2']);
    expect(timeline(events).filter(e => e.startsWith('outputs:'))).toEqual(['outputs:load:2']);
    expect(store.readCellOutputs(state.runId, 'load')).toEqual(LOAD);
  });
});

describe('a stored Argo run read again (a run this process did not follow)', () => {
  test("refresh saves every ended step's document", async () => {
    const outcomes: Record<string, AttemptOutcome[]> = {};
    fake = new FakeKubernetes({ scenario: wf => argoScenario(wf, outcomes, parameterFiles({ load: LOAD, train: TRAIN })) });
    await fake.start();
    const kubeConfig = kubeConfigFrom(fake.kubeconfig());
    const store = new RunStore(home);
    const state = await storedDemoRun(fake, store);
    for (let frame = 0; frame < 5; frame++) {
      fake.advance(); // Pending, Running, load Pending, Running, Succeeded
    }
    await refreshKubernetesRun(store, state, kubeConfig);
    expect(store.readCellOutputs('demo-1', 'load')).toEqual(LOAD);
    expect(store.readCellOutputs('demo-1', 'train')).toBeUndefined(); // not run yet
    for (let frame = 0; frame < 10; frame++) {
      fake.advance();
    }
    const done = await refreshKubernetesRun(store, state, kubeConfig);
    expect(done.status).toBe('Succeeded');
    expect(store.readCellOutputs('demo-1', 'train')).toEqual(TRAIN);
  });
});
