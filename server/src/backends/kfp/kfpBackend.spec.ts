import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../../../src/core/run/types';
import { RunStore } from '../runStore';
import { FakeKfp, type FakeKfpOptions } from '../testing/fakeKfp';
import { demoKfpPipeline, demoSteps } from '../testing/fixtures';
import { cancelKfpRun, KfpBackend, refreshKfpRun } from './kfpBackend';
import type { KfpAuth } from './kfpClient';
import { compileKfpPipeline } from '../../../../src/core/compile/kfp';
import { pipelineOf } from '../../../../src/core/compile/cluster/__fixtures__/pipelines';
import { notebookJson, step } from '../../../../src/core/__fixtures__/notebookBuilder';

let home: string;
let fake: FakeKfp;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'cellpipe-kfp-'));
});
afterEach(async () => {
  await fake?.stop();
  rmSync(home, { recursive: true, force: true });
});

async function startRun(
  options: FakeKfpOptions,
  auth: KfpAuth,
  onEvent?: (e: RunEvent, cancel: () => void) => void,
  submitted: Parameters<KfpBackend['submit']>[0] = { ...demoKfpPipeline(), pipelineName: 'Demo', parameters: { rate: 0.5 }, steps: demoSteps }
) {
  fake = new FakeKfp(options);
  await fake.start();
  const events: RunEvent[] = [];
  const store = new RunStore(home);
  let cancel = (): void => undefined;
  const backend = new KfpBackend({ store, host: fake.url, auth, pollMs: 1, onEvent: e => (events.push(e), onEvent?.(e, cancel)) });
  const handle = await backend.submit(submitted);
  cancel = handle.cancel;
  return { handle, events, store };
}

const stepEvents = (events: RunEvent[]): string[] => events.flatMap(e => (e.type === 'step' ? [`${e.step.id}:${e.step.status}`] : []));

describe('KfpBackend against the fake KFP server', () => {
  test('uploads the pipeline with its platform document, runs its version and reports the tasks', async () => {
    const { handle, events, store } = await startRun({ token: 'sekret' }, { token: 'sekret' });
    const state = await handle.done;
    expect(state).toMatchObject({
      backend: 'kfp',
      status: 'Succeeded',
      kfp: { host: fake.url, runId: expect.stringMatching(/^run-/), pipelineId: 'pipeline-1' }
    });
    expect(state.steps.map(s => s.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(stepEvents(events)).toEqual(['load:Running', 'load:Succeeded', 'train:Running', 'train:Succeeded', 'report:Running', 'report:Succeeded']);
    expect(events.filter(e => e.type === 'run').map(e => (e as { status: string }).status)).toEqual(['Pending', 'Running', 'Succeeded']);
    const uploaded = fake.pipelines.get('pipeline-1')!;
    expect(uploaded.spec).toMatchObject({ schemaVersion: '2.1.0', pipelineInfo: { name: 'demo' } });
    expect(uploaded.platform).toEqual({ platforms: { kubernetes: { deploymentSpec: { executors: {} } } } });
    const create = fake.requests.find(r => r.method === 'POST' && r.path === '/apis/v2beta1/runs')!;
    expect(JSON.parse(create.body)).toEqual({
      display_name: state.runId,
      pipeline_version_reference: { pipeline_id: 'pipeline-1', pipeline_version_id: 'version-1' },
      runtime_config: { parameters: { rate: 0.5 } }
    });
    expect(fake.requests.every(r => r.headers.authorization === 'Bearer sekret')).toBe(true);
    expect(store.load(state.runId)).toEqual(state);
  });

  test('a failed task fails the run; the tasks after it are skipped', async () => {
    const { handle, events } = await startRun({ cookie: 'authservice_session=abc', failing: ['train'] }, { cookie: 'authservice_session=abc' });
    const state = await handle.done;
    expect(state.status).toBe('Failed');
    expect(state.message).toBe('task train failed');
    expect(state.steps.map(s => `${s.id}:${s.status}`)).toEqual(['load:Succeeded', 'train:Failed', 'report:Skipped']);
    expect(state.steps[1].message).toBe('train: container exited with code 1');
    expect(stepEvents(events)).toContain('train:Failed');
    expect(fake.requests[0].headers.cookie).toBe('authservice_session=abc');
  });

  describe('a fan-out step (its compiled loop, then its gather)', () => {
    const pipeline = pipelineOf(
      notebookJson([
        step('make', 'folds = [1, 2]\nscores = []'),
        step('train', 'for fold in folds:\n    scores.append(fold)', 'foreach:folds'),
        step('report', 'print(scores)')
      ])
    );
    const submitted = (): Parameters<KfpBackend['submit']>[0] => {
      const { pipelineSpec, platformSpec } = compileKfpPipeline(pipeline);
      return {
        pipelineSpec,
        platformSpec,
        pipelineName: pipeline.name,
        parameters: {},
        steps: pipeline.steps.map(s => ({ id: s.id, name: s.name, dependsOn: s.dependsOn }))
      };
    };

    test('runs while its loop runs and until its gather ends', async () => {
      const { handle, events } = await startRun({}, {}, undefined, submitted());
      const state = await handle.done;
      expect(state.steps.map(s => `${s.id}:${s.status}`)).toEqual(['make:Succeeded', 'train:Succeeded', 'report:Succeeded']);
      // The loop's task and the gather's: Running throughout, once.
      expect(stepEvents(events)).toEqual([
        'make:Running',
        'make:Succeeded',
        'train:Running',
        'train:Succeeded',
        'report:Running',
        'report:Succeeded'
      ]);
    });

    test('fails when an item fails its loop; the steps after are skipped', async () => {
      const { handle } = await startRun({ failing: ['train--items'] }, {}, undefined, submitted());
      const state = await handle.done;
      expect(state.steps.map(s => `${s.id}:${s.status}`)).toEqual(['make:Succeeded', 'train:Failed', 'report:Skipped']);
      expect(state.steps[1].message).toBe(
        'an item failed (its task is an iteration of train--items in the KFP UI): train--items: container exited with code 1'
      );
    });
  });

  test('cancel terminates the run', async () => {
    const { handle } = await startRun({}, {}, (e, cancel) =>
      e.type === 'step' && e.step.id === 'train' && e.step.status === 'Running' ? cancel() : undefined
    );
    const state = await handle.done;
    expect(fake.requests.some(r => r.method === 'POST' && /\/runs\/run-\d+:terminate$/.test(r.path))).toBe(true);
    expect(state.status).toBe('Cancelled');
    expect(state.steps.map(s => s.status)).toEqual(['Succeeded', 'Cancelled', 'Cancelled']);
  });

  test('a stored run: refresh and cancel by run id', async () => {
    const { handle, store } = await startRun({}, {});
    const first = store.load(handle.runId);
    await cancelKfpRun(first, {});
    expect((await refreshKfpRun(store, first, {})).status).toMatch(/Running|Cancelled|Succeeded/);
    await handle.done;
  });

  test.each([
    ['no credentials', { token: 't' }, {}, /refused the request \(401: Unauthorized.*\)\. Pass a bearer token with --kfp-token \(or KFP_TOKEN\)/],
    ['a wrong token', { token: 't' }, { token: 'old' }, /refused the request \(401.*Your token or cookie was not accepted/]
  ] as const)('%s: a plain-words error', async (_name, options, auth, message) => {
    await expect(startRun(options, auth)).rejects.toThrow(message);
  });

  test('an unreachable server and a bad host', async () => {
    fake = new FakeKfp();
    await fake.start();
    const url = fake.url;
    await fake.stop();
    const backend = new KfpBackend({ store: new RunStore(home), host: url });
    await expect(backend.submit({ ...demoKfpPipeline(), pipelineName: 'x', parameters: {}, steps: demoSteps })).rejects.toThrow(
      /cannot reach the KFP server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); check --kfp-host/
    );
    expect(() => new KfpBackend({ store: new RunStore(home), host: 'not a url' })).toThrow(/--kfp-host 'not a url' is not a URL/);
  });
});
