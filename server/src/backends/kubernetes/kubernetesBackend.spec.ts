import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent, RunState } from '../../../../src/core/run/types';
import { RunStore } from '../runStore';
import { argoScenario, type AttemptOutcome } from '../testing/argoScenario';
import { FakeKubernetes, type FakeKubernetesOptions, type LogFollowRecord } from '../testing/fakeKubernetes';
import { demoSteps, demoWorkflow, kubeConfigFrom, storedDemoRun } from '../testing/fixtures';
import { cancelKubernetesRun, KubernetesBackend, kubernetesStepLog, refreshKubernetesRun } from './kubernetesBackend';

let home: string;
let fake: FakeKubernetes | undefined;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'cellpipe-k8s-'));
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  rmSync(home, { recursive: true, force: true });
});

/** Starts the demo workflow against a new fake; `onEvent` sees each event after it is recorded. */
async function start(options: FakeKubernetesOptions = {}, onEvent: (events: RunEvent[]) => void = () => undefined) {
  fake = new FakeKubernetes({ scenario: wf => argoScenario(wf), ...options });
  await fake.start();
  const events: RunEvent[] = [];
  const store = new RunStore(home);
  const kubeConfig = kubeConfigFrom(fake.kubeconfig('team-a'));
  const onRunEvent = (e: RunEvent): void => {
    events.push(e);
    onEvent(events);
  };
  const backend = new KubernetesBackend({ store, kubeConfig, onEvent: onRunEvent, retryDelayMs: 5 });
  const handle = await backend.submit({ workflow: demoWorkflow(), pipelineName: 'Demo', parameters: { rate: 0.5 }, steps: demoSteps });
  return { handle, events, store, kubeConfig, fake };
}

async function run(
  options: FakeKubernetesOptions = {},
  outcomes: Record<string, AttemptOutcome[]> = {},
  files: Record<string, Record<string, string>> = {}
) {
  const started = await start({ scenario: wf => argoScenario(wf, outcomes, files), ...options });
  return { ...started, state: await started.handle.done };
}

const stepEvents = (events: RunEvent[]): string[] => events.flatMap(e => (e.type === 'step' ? [`${e.step.id}:${e.step.status}`] : []));
const statuses = (state: RunState): Record<string, string> => Object.fromEntries(state.steps.map(s => [s.id, s.status]));

describe('KubernetesBackend against the fake API server', () => {
  test('creates the workflow named by the run id and reports pending, running and succeeded steps with their logs', async () => {
    const { state, events, store, fake } = await run();
    const create = fake.requests.find(r => r.method === 'POST')!;
    expect(create.path).toBe('/apis/argoproj.io/v1alpha1/namespaces/team-a/workflows');
    expect(create.headers.authorization).toBe('Bearer fake-token');
    expect(create.body).toMatchObject({
      kind: 'Workflow',
      metadata: { name: state.runId, namespace: 'team-a', labels: { 'cellpipe.io/pipeline': 'demo' } }
    });
    expect((create.body as { metadata: object }).metadata).not.toHaveProperty('generateName');

    expect(state).toMatchObject({ backend: 'kubernetes', status: 'Succeeded', kubernetes: { namespace: 'team-a', workflowName: state.runId } });
    expect(statuses(state)).toEqual({ load: 'Succeeded', train: 'Succeeded', report: 'Succeeded' });
    expect(state.steps[0]).toMatchObject({
      name: 'Load data',
      attempts: 1,
      exitCode: 0,
      startedAt: expect.any(String),
      finishedAt: expect.any(String)
    });
    expect(stepEvents(events)).toEqual(['load:Running', 'load:Succeeded', 'train:Running', 'train:Succeeded', 'report:Running', 'report:Succeeded']);
    expect(events[0]).toEqual({ type: 'run', runId: state.runId, status: 'Pending' });
    expect(events.filter(e => e.type === 'run').map(e => (e as { status: string }).status)).toEqual(['Pending', 'Running', 'Succeeded']);
    expect(events.filter(e => e.type === 'log').map(e => (e as { stepId: string }).stepId)).toEqual(['load', 'train', 'report']);
    expect(readFileSync(store.logPath(state.runId, 'train'), 'utf8')).toBe('train: attempt 1\ntrain: done\n');
    expect(store.load(state.runId)).toEqual(state);
    const logRequest = fake.requests.find(r => r.path.endsWith('/log'))!;
    expect(logRequest.query.container).toBe('main');
    expect(
      fake.requests.some(
        r => r.path === '/api/v1/namespaces/team-a/pods' && r.query.labelSelector === `workflows.argoproj.io/workflow=${state.runId}`
      )
    ).toBe(true);
  });

  test("fails a step whose container exits 0 without the runtime's result document, and the run Argo calls succeeded", async () => {
    // The output parameter falls back to Argo's default "{}" when the runtime never wrote its file (os._exit(0)).
    const { state } = await run({}, {}, { train: { 'cellpipe-result': '{}' } });
    expect(state.steps[1]).toMatchObject({ id: 'train', status: 'Failed', exitCode: 0 });
    expect(state.steps[1].message).toMatch(
      /^the step's container exited with code 0 before the cellpipe runtime recorded the step's end \(\.step\.json\)/
    );
    expect(state.status).toBe('Failed');
    expect(state.message).toBe(`step 'train' failed: ${state.steps[1].message}`);
  });

  test("reads each step's metrics and the cell and line that raised from the runtime's result document", async () => {
    const result = (doc: object): Record<string, string> => ({ 'cellpipe-result': JSON.stringify(doc) });
    const { state } = await run(
      {},
      { report: ['Failed'] },
      {
        train: result({ status: 'Succeeded', metrics: { accuracy: 0.91, loss: null }, error: null }),
        report: result({
          status: 'Failed',
          metrics: {},
          error: { kind: 'user', message: 'ValueError: no rows', cell: '<cell 7: step report>', line: 3 }
        })
      }
    );
    const byId = Object.fromEntries(state.steps.map(s => [s.id, s]));
    expect(byId.load.metrics).toBeUndefined(); // its document has none
    expect(byId.train.metrics).toEqual({ accuracy: 0.91 });
    expect(byId.report).toMatchObject({
      status: 'Failed',
      message: 'ValueError: no rows (<cell 7: step report>, line 3)',
      failure: { cell: 6, line: 3, error: 'ValueError: no rows' }
    });
    expect(state.metrics).toEqual({ accuracy: 0.91 });
  });

  test('a retried node: one step with two attempts and both logs', async () => {
    const { state, events, store } = await run({}, { train: ['Failed', 'Succeeded'] });
    expect(state.status).toBe('Succeeded');
    expect(state.steps[1]).toMatchObject({ id: 'train', status: 'Succeeded', attempts: 2, exitCode: 0 });
    expect(stepEvents(events)).toEqual([
      'load:Running',
      'load:Succeeded',
      'train:Running',
      'train:Running',
      'train:Succeeded',
      'report:Running',
      'report:Succeeded'
    ]);
    const log = readFileSync(store.logPath(state.runId, 'train'), 'utf8');
    expect(log).toContain('--- attempt 1 of 2 (Failed) ---\ntrain: attempt 1\nTraceback');
    expect(log).toContain('--- attempt 2 of 2 (Succeeded) ---\ntrain: attempt 2\ntrain: done\n');
  });

  test('a failed step fails the run and skips what depends on it', async () => {
    const { state, events } = await run({}, { train: ['Failed'] });
    expect(state.status).toBe('Failed');
    expect(state.message).toMatch(/child '.*' failed/);
    expect(statuses(state)).toEqual({ load: 'Succeeded', train: 'Failed', report: 'Skipped' });
    expect(state.steps[1]).toMatchObject({ exitCode: 1, message: 'Error (exit code 1)' });
    expect(stepEvents(events)).toContain('report:Skipped');
    expect(events.find(e => e.type === 'log' && e.stepId === 'train')).toMatchObject({ text: expect.stringContaining('ValueError: train broke') });
  });

  test('compressedNodes are decoded', async () => {
    const { state, fake } = await run({ compressNodes: true }, { train: ['Failed', 'Succeeded'] });
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(statuses(state)).toEqual({ load: 'Succeeded', train: 'Succeeded', report: 'Succeeded' });
    expect(state.steps[1].attempts).toBe(2);
  });

  test.each(['end', 'destroy'] as const)('a watch dropped mid-stream (%s) is resumed from the last resourceVersion', async how => {
    const { state, events, fake } = await run({ dropWatch: { request: 1, afterEvents: 3, how } });
    expect(state.status).toBe('Succeeded');
    const watches = fake.requests.filter(r => r.query.watch);
    expect(watches.length).toBeGreaterThanOrEqual(2);
    expect(Number(watches[1].query.resourceVersion)).toBeGreaterThan(Number(watches[0].query.resourceVersion));
    expect(stepEvents(events)).toEqual(['load:Running', 'load:Succeeded', 'train:Running', 'train:Succeeded', 'report:Running', 'report:Succeeded']);
  });

  test.each(['http', 'event'] as const)('a 410 Gone (%s) on re-watch makes it list again', async as => {
    const { state, fake } = await run({ dropWatch: { request: 1, afterEvents: 2, how: 'end' }, goneWatch: { request: 2, as } });
    expect(state.status).toBe('Succeeded');
    const kinds = fake.requests.filter(r => r.method === 'GET' && r.path.endsWith('/workflows')).map(r => (r.query.watch ? 'watch' : 'list'));
    expect(kinds.slice(0, 5)).toEqual(['list', 'watch', 'watch', 'list', 'watch']);
  });

  test('cancel patches spec.shutdown and the steps end Cancelled', async () => {
    fake = new FakeKubernetes({ stallAfterFrames: 7 }); // stalls with train running
    await fake.start();
    const store = new RunStore(home);
    let cancel = (): void => undefined;
    const backend = new KubernetesBackend({
      store,
      kubeConfig: kubeConfigFrom(fake.kubeconfig()),
      onEvent: e => (e.type === 'step' && e.step.id === 'train' && e.step.status === 'Running' ? cancel() : undefined)
    });
    const handle = await backend.submit({ workflow: demoWorkflow(), pipelineName: 'demo', parameters: {}, steps: demoSteps });
    cancel = handle.cancel;
    const state = await handle.done;
    const patch = fake.requests.find(r => r.method === 'PATCH')!;
    expect(patch.headers['content-type']).toBe('application/merge-patch+json');
    expect(patch.body).toEqual({ spec: { shutdown: 'Terminate' } });
    expect(state.status).toBe('Cancelled');
    expect(statuses(state)).toEqual({ load: 'Succeeded', train: 'Cancelled', report: 'Cancelled' });
  });
});

describe('live logs: pod logs followed while the steps run', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): number => unhandled.push(reason);
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  afterEach(() => expect(unhandled.splice(0)).toEqual([]));

  /** The demo scenario with logs written one line per tick of the fake. */
  const lines =
    (outcomes: Record<string, AttemptOutcome[]> = {}): FakeKubernetesOptions['scenario'] =>
    wf => ({ ...argoScenario(wf, outcomes), logArrival: 'lines' });
  const logText = (events: RunEvent[], stepId: string, stream = 'stdout'): string =>
    events.map(e => (e.type === 'log' && e.stepId === stepId && e.stream === stream ? e.text : '')).join('');
  /** The events of one step, in order: `step:Running`, `log`, ... */
  const stepTimeline = (events: RunEvent[], stepId: string): string[] =>
    events.flatMap(e =>
      e.type === 'step' && e.step.id === stepId ? [`step:${e.step.status}`] : e.type === 'log' && e.stepId === stepId ? ['log'] : []
    );
  const TRAIN = 'train: attempt 1\ntrain: done\n';
  // The workflow stalls with train running (frame 6) until the test resumes it.
  const TRAIN_RUNNING = 7;
  const trainLog = /\/pods\/demo-[^/]+-train-[^/]+\/log$/;

  test('log events arrive while the step runs, before its Succeeded event; the file ends as readStepLogs reads it', async () => {
    const { handle, events, store, kubeConfig, fake } = await start({ scenario: lines(), stallAfterFrames: TRAIN_RUNNING }, seen => {
      if (logText(seen, 'train') === TRAIN) {
        fake.resume(); // the pod has written and we have shown its whole log: let it finish
      }
    });
    const state = await handle.done;
    expect(state.status).toBe('Succeeded');
    const timeline = stepTimeline(events, 'train');
    expect(timeline[0]).toBe('step:Running');
    expect(timeline[timeline.length - 1]).toBe('step:Succeeded');
    expect(timeline.slice(1, -1).length).toBeGreaterThan(0);
    expect(timeline.slice(1, -1).every(t => t === 'log')).toBe(true);
    expect(logText(events, 'train')).toBe(TRAIN);
    expect(readFileSync(store.logPath(state.runId, 'train'), 'utf8')).toBe(await kubernetesStepLog(state, 'train', kubeConfig));
    expect(readFileSync(store.logPath(state.runId, 'train'), 'utf8')).toBe(TRAIN);
    const follow = fake.requests.find(r => trainLog.test(r.path))!;
    expect(follow.path).toMatch(/^\/api\/v1\/namespaces\/team-a\/pods\/[^/]+\/log$/);
    expect(follow.query).toMatchObject({ container: 'main', follow: 'true' });
    expect(follow.headers.authorization).toBe('Bearer fake-token');
    for (const step of ['load', 'report']) {
      expect(logText(events, step)).toBe(`${step}: attempt 1\n${step}: done\n`);
    }
  });

  test('a retried step: each attempt followed in turn, headers as readStepLogs writes them', async () => {
    let fileWhileRunning = '';
    const { handle, events, store, kubeConfig, fake } = await start(
      { scenario: lines({ train: ['Failed', 'Succeeded'] }), stallAfterFrames: 10 },
      seen => {
        if (logText(seen, 'train').endsWith('train: attempt 2\ntrain: done\n') && !fileWhileRunning) {
          fileWhileRunning = readFileSync(store.logPath(seen[0].runId, 'train'), 'utf8');
          fake.resume();
        }
      }
    );
    const state = await handle.done;
    const firstAttempt = 'train: attempt 1\nTraceback (most recent call last):\nValueError: train broke\n';
    expect(logText(events, 'train')).toBe(`${firstAttempt}--- attempt 2 of 2 (Running) ---\ntrain: attempt 2\ntrain: done\n`);
    expect(fileWhileRunning).toBe(
      `--- attempt 1 of 2 (Failed) ---\n${firstAttempt}--- attempt 2 of 2 (Running) ---\ntrain: attempt 2\ntrain: done\n`
    );
    const file = readFileSync(store.logPath(state.runId, 'train'), 'utf8');
    expect(file).toBe(`--- attempt 1 of 2 (Failed) ---\n${firstAttempt}--- attempt 2 of 2 (Succeeded) ---\ntrain: attempt 2\ntrain: done\n`);
    expect(file).toBe(await kubernetesStepLog(state, 'train', kubeConfig));
    const timeline = stepTimeline(events, 'train');
    expect(timeline.lastIndexOf('log')).toBeLessThan(timeline.indexOf('step:Succeeded'));
  });

  test.each([
    ['cut mid-line (connection broken)', { cutLogFollow: { task: 'train', afterBytes: 10, how: 'destroy' } }],
    ['ended mid-line by the server', { cutLogFollow: { task: 'train', afterBytes: 10, how: 'end' } }],
    ['answered 500', { failures: [{ method: 'GET', path: trainLog, code: 500, times: 1 }] }],
    ['answered 400 (container not started)', { failures: [{ method: 'GET', path: trainLog, code: 400, times: 1 }] }]
  ] as const)('a follow stream %s is followed again and the log ends complete', async (_name, options) => {
    const { handle, events, store, kubeConfig, fake } = await start(
      { scenario: lines(), stallAfterFrames: TRAIN_RUNNING, ...(options as FakeKubernetesOptions) },
      seen => {
        if (logText(seen, 'train') === TRAIN) {
          fake.resume();
        }
      }
    );
    const state = await handle.done;
    expect(state.status).toBe('Succeeded');
    expect(logText(events, 'train')).toBe(TRAIN);
    expect(logText(events, 'train', 'stderr')).toBe('');
    expect(readFileSync(store.logPath(state.runId, 'train'), 'utf8')).toBe(await kubernetesStepLog(state, 'train', kubeConfig));
    const follows = fake.requests.filter(r => trainLog.test(r.path) && r.query.follow === 'true');
    expect(follows.length).toBeGreaterThanOrEqual(2);
  });

  test('a pod deleted mid-stream (404): the follow ends quietly and the log says what the cluster keeps', async () => {
    const { handle, events, store, kubeConfig, fake } = await start({
      scenario: lines(),
      stallAfterFrames: TRAIN_RUNNING,
      cutLogFollow: { task: 'train', afterBytes: 10, how: 'delete-pod' }
    });
    await fake.until(() => fake.logFollows.some(f => f.status === 404));
    fake.resume();
    const state = await handle.done;
    expect(state.status).toBe('Succeeded');
    const [cut, gone, ...more] = fake.logFollows.filter(f => f.pod.includes('-train-'));
    expect(cut).toMatchObject({ status: 200, bytes: 10, closedBy: 'server' });
    expect(gone).toMatchObject({ status: 404, pod: cut.pod });
    expect(more).toEqual([]); // not asked again once gone
    const file = readFileSync(store.logPath(state.runId, 'train'), 'utf8');
    expect(file).toBe(await kubernetesStepLog(state, 'train', kubeConfig));
    expect(file).toBe('(no pod for train: it was not created or was deleted)\n');
    expect(logText(events, 'train', 'stderr')).toMatch(
      /^\ncellpipe: what was shown of the log differs from what the cluster keeps from line 1 on .*; the saved log is the cluster's, and from line 1 it reads:\n$/
    );
    expect(logText(events, 'train')).toBe(`train: att${file}`);
  });

  test('cancel stops the follow before the workflow is terminated', async () => {
    let cancel = (): void => undefined;
    const { handle, events, store, kubeConfig, fake } = await start({ scenario: lines(), stallAfterFrames: TRAIN_RUNNING }, seen => {
      const last = seen[seen.length - 1];
      if (last.type === 'log' && last.stepId === 'train' && logText(seen, 'train') === last.text) {
        fake.pause(); // hold the pod running: only the client can end its log stream now
        cancel();
      }
    });
    cancel = handle.cancel;
    const trainFollows = (): LogFollowRecord[] => fake.logFollows.filter(f => f.task === 'train');
    await fake.until(() => trainFollows().some(f => f.closedBy === 'client') && fake.requests.some(r => r.method === 'PATCH'));
    fake.resume();
    const state = await handle.done;
    expect(fake.requests.filter(r => r.method === 'PATCH').map(r => r.body)).toEqual([{ spec: { shutdown: 'Terminate' } }]);
    expect(state.status).toBe('Cancelled');
    expect(statuses(state)).toEqual({ load: 'Succeeded', train: 'Cancelled', report: 'Cancelled' });
    expect(trainFollows()).toHaveLength(1); // none started after the cancel
    expect(readFileSync(store.logPath(state.runId, 'train'), 'utf8')).toBe(await kubernetesStepLog(state, 'train', kubeConfig));
    expect(logText(events, 'train')).toBe(readFileSync(store.logPath(state.runId, 'train'), 'utf8'));
  });
});

describe('stored kubernetes runs (status, logs, cancel)', () => {
  test('refresh, read logs (empty until the container starts) and cancel', async () => {
    fake = new FakeKubernetes();
    await fake.start();
    const kubeConfig = kubeConfigFrom(fake.kubeconfig());
    const store = new RunStore(home);
    const state = await storedDemoRun(fake, store);
    fake.advance(); // Pending
    fake.advance(); // Running, no steps yet
    fake.advance(); // load: pod Pending
    expect(await kubernetesStepLog(state, 'load', kubeConfig)).toBe('');
    fake.advance(); // load: Running
    fake.advance(); // load: Succeeded
    expect(await kubernetesStepLog(state, 'load', kubeConfig)).toBe('load: attempt 1\nload: done\n');
    const refreshed = await refreshKubernetesRun(store, state, kubeConfig);
    expect(refreshed.status).toBe('Running');
    expect(statuses(refreshed)).toEqual({ load: 'Succeeded', train: 'Pending', report: 'Pending' });
    expect(store.load('demo-1').steps[0].status).toBe('Succeeded');
    await cancelKubernetesRun(state, kubeConfig);
    fake.advance();
    expect((await refreshKubernetesRun(store, state, kubeConfig)).status).toBe('Cancelled');
  });
});

describe('API errors in plain words', () => {
  const start = async (options: FakeKubernetesOptions, token?: string) => {
    fake = new FakeKubernetes(options);
    await fake.start();
    let config = fake.kubeconfig();
    if (token) {
      config = config.replace('fake-token', token);
    }
    const backend = new KubernetesBackend({ store: new RunStore(home), kubeConfig: kubeConfigFrom(config) });
    return backend.submit({ workflow: demoWorkflow(), pipelineName: 'demo', parameters: {}, steps: demoSteps });
  };
  const argo = /\/workflows$/;

  test.each([
    ['401', {}, 'wrong', /did not accept your credentials \(401 Unauthorized\)\. Log in again/],
    [
      '403',
      { failures: [{ method: 'POST', path: argo, code: 403, message: 'workflows.argoproj.io is forbidden: User "ann" cannot create resource' }] },
      undefined,
      /not allowed to create workflows\.argoproj\.io there \(403 Forbidden: .*User "ann".*\)\. Ask a cluster administrator for a Role/
    ],
    ['404 CRD missing', { crdInstalled: false }, undefined, /this cluster does not know Argo Workflows \(404.*Install Argo Workflows/],
    [
      '404 namespace',
      {
        failures: [
          { method: 'POST', path: argo, code: 404, message: 'namespaces "default" not found', details: { name: 'default', kind: 'namespaces' } }
        ]
      },
      undefined,
      /namespace 'default' does not exist \(404\)\. Create it or choose another with --namespace/
    ],
    [
      '409',
      { failures: [{ method: 'POST', path: argo, code: 409, message: 'workflows.argoproj.io "x" already exists' }] },
      undefined,
      /already exists \(409 Conflict.*\)\. Run again/
    ],
    [
      '422',
      {
        failures: [{ method: 'POST', path: argo, code: 422, message: 'Workflow.argoproj.io "x" is invalid: spec.templates[1].name: Invalid value' }]
      },
      undefined,
      /rejected the compiled workflow as invalid \(422 Unprocessable Entity: .*spec\.templates\[1\]\.name/
    ]
  ] as const)('%s', async (_name, options, token, message) => {
    const error = await start(options as FakeKubernetesOptions, token).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain("cannot create the workflow in namespace 'default'");
  });

  test('an unreachable server', async () => {
    fake = new FakeKubernetes();
    await fake.start();
    const config = fake.kubeconfig();
    await fake.stop();
    fake = undefined;
    const backend = new KubernetesBackend({ store: new RunStore(home), kubeConfig: kubeConfigFrom(config) });
    const error = await backend.submit({ workflow: demoWorkflow(), pipelineName: 'demo', parameters: {}, steps: demoSteps }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+ .*check that the cluster is running/
    );
  });
});
