import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { canonicalPython } from '../../app/pythonCheck';
import { createService } from '../app';
import { argoScenario } from '../../backends/testing/argoScenario';
import { FakeKubernetes } from '../../backends/testing/fakeKubernetes';
import { listen } from '../listen';
import { SKIPPED_RUNS_HEADER } from './runs';
import type { CompileResult, OutputSummary, PackagesReport, SweepReport, SweepStarted } from '../../../../src/core/run/api';
import type { RunCellOutputsReply } from '../../../../src/core/run/cellOutputs';
import type { RunEvent, RunState } from '../../../../src/core/run/types';

const SECRET = 'test-secret-0123456789abcdef';
const XSRF = 'xsrf-token-1';
const HEADERS = { 'x-cellpipe-secret': SECRET, 'x-xsrftoken': XSRF, cookie: `_xsrf=${XSRF}` };

function notebook(cells: Array<{ tags: string[]; source: string }>): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map((c, i) => ({ cell_type: 'code', id: `c${i}`, metadata: { tags: c.tags }, source: c.source, outputs: [], execution_count: null }))
  });
}

const PIPELINE = notebook([
  { tags: ['pipeline-parameters'], source: 'n = 3' },
  { tags: ['step:make'], source: 'xs = list(range(n))\nprint("made", len(xs))' },
  { tags: ['step:total'], source: 'total = sum(xs)\nprint("total", total)' }
]);

interface Reply {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as JSON, as the type the route documents (the service's replies are typed in src/core/run). */
  json<T>(): T;
}

/** A route's error reply. */
interface ErrorBody {
  error: string;
}

/** The events of `GET /api/runs/:id/events` (routes/events.ts): the run's state, then its RunEvents by type. */
type StreamEvent =
  { event: 'state'; data: RunState } | { [K in RunEvent['type']]: { event: K; data: Extract<RunEvent, { type: K }> } }[RunEvent['type']];
type StepEvent = Extract<StreamEvent, { event: 'step' }>;

/**
 * One real HTTP request over the service's Unix socket (fastify's inject needs an ESM-only cookie
 * module that the jest setup cannot load). Resolves when the response ends.
 */
function call(socketPath: string, method: string, path: string, headers: Record<string, string>, payload?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    const req = request({ socketPath, method, path, headers: body ? { ...headers, 'content-type': 'application/json' } : headers }, res => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', chunk => (text += chunk));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: text, json: <T>() => JSON.parse(text) as T }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Parses a text/event-stream body into its events. */
function parseEvents(body: string): StreamEvent[] {
  return body
    .split('\n\n')
    .filter(block => block.startsWith('event:'))
    .map(block => {
      const [eventLine, dataLine] = block.split('\n');
      return { event: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) } as StreamEvent;
    });
}

describe('service routes', () => {
  let root: string;
  let outside: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cellpipe-root-'));
    outside = mkdtempSync(join(tmpdir(), 'cellpipe-outside-'));
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'pipe.ipynb'), PIPELINE);
    writeFileSync(join(root, 'broken.ipynb'), notebook([{ tags: ['step:a'], source: 'x = (' }]));
    writeFileSync(join(root, 'fails.ipynb'), notebook([{ tags: ['step:boom'], source: 'raise ValueError("no")' }]));
    writeFileSync(join(outside, 'secret.ipynb'), PIPELINE);
    symlinkSync(join(outside, 'secret.ipynb'), join(root, 'link.ipynb'));
    symlinkSync(outside, join(root, 'linkdir'));
    app = createService({ secret: SECRET, root, home: join(root, '.cellpipe') });
    await listen(app, { socket: join(root, '.svc.sock') });
  });

  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const socket = (): string => join(root, '.svc.sock');
  const post = (url: string, payload: unknown): Promise<Reply> => call(socket(), 'POST', url, HEADERS, payload);
  const get = (url: string): Promise<Reply> => call(socket(), 'GET', url, { 'x-cellpipe-secret': SECRET });

  it.each([
    ['an absolute path', '/etc/passwd.ipynb', 400],
    ['a path with a NUL byte', 'a\0.ipynb', 400],
    ['a file that is not a notebook', 'sub/../../x.txt', 400],
    ['a .. escape', '../x.ipynb', 403],
    ['a .. escape through a folder', 'sub/../../secret.ipynb', 403],
    ['a symlink to a file outside', 'link.ipynb', 403],
    ['a symlinked folder outside', 'linkdir/secret.ipynb', 403],
    ['a missing notebook', 'nope.ipynb', 404],
    ['no path at all', undefined, 400]
  ])('refuses %s', async (_label, path, status) => {
    for (const url of ['/api/runs', '/api/compile', '/api/runs/prepare']) {
      const reply = await post(url, { path });
      expect([reply.statusCode, reply.json<ErrorBody>().error]).toEqual([status, expect.any(String)]);
    }
  });

  it('prepares local runs of a notebook', async () => {
    const reply = await post('/api/runs/prepare', { path: 'sub/pipe.ipynb', python: 'python3' });
    expect(reply.statusCode).toBe(204);
    expect((await post('/api/runs/prepare', { path: 'broken.ipynb' })).statusCode).toBe(422);
  });

  it('refuses to start a run without the XSRF double submit', async () => {
    const reply = await call(socket(), 'POST', '/api/runs', { 'x-cellpipe-secret': SECRET }, { path: 'sub/pipe.ipynb' });
    expect(reply.statusCode).toBe(403);
  });

  it('compiles to Argo and KFP files named after the notebook', async () => {
    const argo = (await post('/api/compile', { path: 'sub/pipe.ipynb', target: 'argo' })).json<CompileResult>();
    expect(argo.files).toEqual([{ name: 'pipe.argo.yaml', content: expect.stringContaining('kind: Workflow') }]);
    const kfp = (await post('/api/compile', { path: 'sub/pipe.ipynb', target: 'kfp' })).json<CompileResult>();
    expect(kfp.files).toEqual([{ name: 'pipe.kfp.yaml', content: expect.stringContaining('schemaVersion: 2.1.0') }]);
  });

  it('says what a cluster installs for each step, pinned to the Python asked for', async () => {
    const reply = await post('/api/packages', { path: 'sub/pipe.ipynb', python: 'python3' });
    expect(reply.statusCode).toBe(200);
    const report = reply.json<PackagesReport>();
    // One spelling per interpreter: PATH's python3 with its links followed, but not out of its venv.
    expect(report.python).toBe(canonicalPython('python3'));
    expect(report.steps.map(s => [s.name, Array.isArray(s.packages)])).toEqual([
      ['make', true],
      ['total', true]
    ]);
    expect((await post('/api/packages', { path: 'sub/pipe.ipynb', python: join(root, 'no-python') })).statusCode).toBe(400);
  });

  it('compiles step scripts, and refuses unknown targets and broken notebooks', async () => {
    const reply = await post('/api/compile', { path: 'sub/pipe.ipynb', target: 'scripts' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json<CompileResult>().files.map(f => f.name)).toEqual(['make.py', 'total.py', '_cellpipe/cellpipe_runtime.py', 'pipeline.json']);
    expect((await post('/api/compile', { path: 'sub/pipe.ipynb', target: 'yaml' })).statusCode).toBe(400);
    const broken = await post('/api/compile', { path: 'broken.ipynb' });
    expect(broken.statusCode).toBe(422);
    expect(broken.json<ErrorBody>().error).toMatch(/cell 1, line 1/);
  });

  it('runs a notebook, streams its events, keeps its history, logs and outputs', async () => {
    const started = await post('/api/runs', { path: 'sub/pipe.ipynb', parameters: { n: 5 }, python: 'python3', workers: 2 });
    expect(started.statusCode).toBe(201);
    const run = started.json<RunState>();
    expect(run).toMatchObject({ notebookPath: 'sub/pipe.ipynb', parameters: { n: 5 }, backend: 'local' });

    // The stream ends when the run does: inject resolves then.
    const stream = await get(`/api/runs/${run.runId}/events`);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = parseEvents(stream.body);
    expect(events[0].event).toBe('state');
    const last = events[events.length - 1];
    expect(last.data).toMatchObject({ status: 'Succeeded' }); // a 'run' event, or the state of a run already over

    const state = (await get(`/api/runs/${run.runId}`)).json<RunState>();
    expect(state.steps.map(s => [s.id, s.status])).toEqual([
      ['make', 'Succeeded'],
      ['total', 'Succeeded']
    ]);
    const log = await get(`/api/runs/${run.runId}/steps/total/log`);
    expect(log.headers['content-type']).toMatch(/^text\/plain/);
    expect(log.body).toContain('total 10');
    const outputs = (await get(`/api/runs/${run.runId}/steps/make/outputs`)).json<OutputSummary[]>();
    expect(outputs).toEqual([expect.objectContaining({ name: 'xs', type: 'list' })]);
    expect((await get(`/api/runs/${run.runId}/steps/nope/log`)).statusCode).toBe(404);

    const history = (await get('/api/runs?path=sub/pipe.ipynb')).json<RunState[]>();
    expect(history.map(r => r.runId)).toContain(run.runId);
    expect((await get('/api/runs?path=other.ipynb')).json<RunState[]>()).toEqual([]);

    expect((await post(`/api/runs/${run.runId}/cancel`, {})).statusCode).toBe(409);
    expect((await post(`/api/runs/${run.runId}/retry`, {})).statusCode).toBe(409);
    // A succeeded run is run again from a step (a RetryRunBody): that step and what follows it.
    const again = await post(`/api/runs/${run.runId}/retry`, { from: 'total' });
    expect(again.statusCode).toBe(200);
    await get(`/api/runs/${run.runId}/events`);
    const rerun = (await get(`/api/runs/${run.runId}`)).json<RunState>();
    expect(rerun.status).toBe('Succeeded');
    expect(rerun.steps.map(s => [s.name, s.attempts])).toEqual([
      ['make', 1],
      ['total', 2]
    ]);
    const unknown = await post(`/api/runs/${run.runId}/retry`, { from: 'nope' });
    expect([unknown.statusCode, unknown.json<ErrorBody>().error]).toEqual([404, expect.stringContaining('has no step "nope"')]);
  });

  it("serves each cell's outputs from a run, and the executed notebook as a file whose name cannot break the header", async () => {
    const name = 'we"ird; name=x\r\nX-Evil: 1 ü.ipynb';
    writeFileSync(join(root, name), PIPELINE);
    const run = (await post('/api/runs', { path: name, parameters: { n: 4 }, python: 'python3' })).json<RunState>();
    const events = parseEvents((await get(`/api/runs/${run.runId}/events`)).body);
    // Each cell's outputs were announced as they came, by step, in step order. The stream opens
    // after the run has started (its id comes with the reply), so on a busy machine the first step
    // may be over by then: its announcement came before, and the state the stream starts with
    // stands for it. What is announced is the end of the list, never out of order.
    const announced = events.flatMap(e => (e.event === 'cell-outputs' ? [[e.data.stepId, e.data.cells]] : []));
    const inOrder = [
      ['make', [1]],
      ['total', [2]]
    ];
    expect(announced).toEqual(inOrder.slice(inOrder.length - announced.length));

    const reply = (await get(`/api/runs/${run.runId}/cell-outputs`)).json<RunCellOutputsReply>();
    expect(reply.cells.map(c => [c.cell, c.cellId, c.stepName, c.executionCount, c.outputs])).toEqual([
      [1, 'c1', 'make', 2, [{ output_type: 'stream', name: 'stdout', text: 'made 4\n' }]],
      [2, 'c2', 'total', 3, [{ output_type: 'stream', name: 'stdout', text: 'total 6\n' }]]
    ]);
    const one = (await get(`/api/runs/${run.runId}/cell-outputs?step=total`)).json<RunCellOutputsReply>();
    expect(one.cells.map(c => c.cell)).toEqual([2]);
    expect((await get(`/api/runs/${run.runId}/cell-outputs?step=nope`)).statusCode).toBe(404);

    const file = await get(`/api/runs/${run.runId}/notebook`);
    expect(file.statusCode).toBe(200);
    expect(file.headers['x-evil']).toBeUndefined();
    const disposition = String(file.headers['content-disposition']);
    expect(disposition).toMatch(/^attachment; filename="[A-Za-z0-9._ -]+"; filename\*=UTF-8''[A-Za-z0-9._~%!-]+$/);
    expect(decodeURIComponent(disposition.split("UTF-8''")[1])).toBe(`${name.replace(/\.ipynb$/, '')}.${run.runId}.ipynb`);
    const executed = file.json<{ nbformat: number; cells: Array<{ execution_count: number | null; outputs: unknown[] }> }>();
    expect(executed.nbformat).toBe(4);
    expect(executed.cells.map(c => [c.execution_count, c.outputs.length])).toEqual([
      [1, 0], // the parameters cell: its values were bound
      [2, 1],
      [3, 1]
    ]);
  });

  it('reports a failing step with its message, and retries it', async () => {
    const run = (await post('/api/runs', { path: 'fails.ipynb', python: 'python3' })).json<RunState>();
    const events = parseEvents((await get(`/api/runs/${run.runId}/events`)).body);
    const failed = events.find((e): e is StepEvent => e.event === 'step' && e.data.step.status === 'Failed');
    const state = (await get(`/api/runs/${run.runId}`)).json<RunState>();
    expect(state.status).toBe('Failed');
    expect(failed?.data.step.message ?? state.steps[0].message).toMatch(/ValueError/);
    const retried = await post(`/api/runs/${run.runId}/retry`, {});
    expect(retried.statusCode).toBe(200);
    await get(`/api/runs/${run.runId}/events`);
    expect((await get(`/api/runs/${run.runId}`)).json<RunState>().steps[0].attempts).toBe(2);
  });

  it('refuses bad parameters, backends and run ids in words', async () => {
    const bad = await post('/api/runs', { path: 'sub/pipe.ipynb', parameters: { n: 'many' } });
    expect([bad.statusCode, bad.json<ErrorBody>().error]).toEqual([400, expect.stringMatching(/parameter n: "many" is not of type int/)]);
    const text = await post('/api/runs', { path: 'sub/pipe.ipynb', parameters: { n: '5' } });
    expect([text.statusCode, text.json<ErrorBody>().error]).toEqual([400, expect.stringMatching(/parameter n: "5" is not of type int/)]);
    const unknown = await post('/api/runs', { path: 'sub/pipe.ipynb', parameters: { m: 1 } });
    expect(unknown.json<ErrorBody>().error).toMatch(/no parameter 'm'/);
    expect((await post('/api/runs', { path: 'sub/pipe.ipynb', backend: 'kfp' })).statusCode).toBe(400);
    const nonsense = await post('/api/runs', { path: 'sub/pipe.ipynb', backend: 'cloud' });
    expect([nonsense.statusCode, nonsense.json<ErrorBody>().error]).toEqual([400, "unknown backend 'cloud': choose local, kubernetes or kfp"]);
    expect((await get('/api/runs/..%2F..%2Fetc')).statusCode).toBe(400);
    expect((await get('/api/runs/no-such-run')).statusCode).toBe(404);
    expect((await get('/api/runs/no-such-run/events')).statusCode).toBe(404);
  });

  it('runs a sweep, one run per grid point, and reads its runs side by side', async () => {
    writeFileSync(
      join(root, 'sub', 'sweep.ipynb'),
      notebook([
        { tags: ['pipeline-parameters'], source: 'n = 3\nlabel = "a"' },
        { tags: ['step:make'], source: 'xs = list(range(4))' },
        { tags: ['step:total'], source: 'total = sum(xs) * n' },
        { tags: ['pipeline-metrics'], source: 'total' }
      ])
    );
    const started = await post('/api/sweeps', { path: 'sub/sweep.ipynb', grid: { n: [1, 2] }, parameters: { label: 'b' }, python: 'python3' });
    expect(started.statusCode).toBe(201);
    const { sweepId, runIds } = started.json<SweepStarted>();
    expect(runIds).toHaveLength(2);
    for (const runId of runIds) {
      await get(`/api/runs/${runId}/events`); // ends with the run
    }
    const report = (await get(`/api/sweeps/${sweepId}`)).json<SweepReport>();
    expect(report).toMatchObject({ sweepId, notebookPath: 'sub/sweep.ipynb', swept: ['n'], metrics: ['total'] });
    expect(report.runs.map(run => [run.runId, run.sweep, run.parameters, run.status, run.metrics])).toEqual([
      [runIds[0], { id: sweepId, index: 0, of: 2, values: { n: 1 } }, { n: 1, label: 'b' }, 'Succeeded', { total: 6 }],
      [runIds[1], { id: sweepId, index: 1, of: 2, values: { n: 2 } }, { n: 2, label: 'b' }, 'Succeeded', { total: 12 }]
    ]);
    // `make` reads no swept parameter: one run computed it, the other took it from that one.
    expect(report.runs.map(run => run.steps[0].status).sort()).toEqual(['Cached', 'Succeeded']);

    const bad = await post('/api/sweeps', { path: 'sub/sweep.ipynb', grid: { n: [1, 'x'] } });
    expect([bad.statusCode, bad.json<ErrorBody>().error]).toEqual([400, expect.stringMatching(/parameter n: "x" is not of type int/)]);
    const notLists = await post('/api/sweeps', { path: 'sub/sweep.ipynb', grid: { n: 1 } });
    expect([notLists.statusCode, notLists.json<ErrorBody>().error]).toEqual([400, expect.stringMatching(/'grid' must be an object of value lists/)]);
    expect((await get('/api/sweeps/sweep-none')).statusCode).toBe(404);
  });
});

describe('service routes: a run on Kubernetes (Argo Workflows)', () => {
  let root: string;
  let app: FastifyInstance;
  let k8s: FakeKubernetes;
  const savedKubeconfig = process.env.KUBECONFIG;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cellpipe-root-'));
    writeFileSync(join(root, 'pipe.ipynb'), PIPELINE);
    // The service loads the Kubernetes backend on first use; its client is slow to transform under Jest.
    await import('../../backends/kubernetes/kubernetesBackend');
    k8s = new FakeKubernetes({ scenario: wf => argoScenario(wf, {}) });
    await k8s.start();
    writeFileSync(join(root, 'kubeconfig'), k8s.kubeconfig('ml-team'));
    process.env.KUBECONFIG = join(root, 'kubeconfig');
    app = createService({ secret: SECRET, root, home: join(root, '.cellpipe') });
    await listen(app, { socket: join(root, '.svc.sock') });
  }, 120_000);

  afterAll(async () => {
    await app.close();
    await k8s.stop();
    process.env.KUBECONFIG = savedKubeconfig;
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the Workflow, streams its steps to the end, and lists the run', async () => {
    const socket = join(root, '.svc.sock');
    const started = await call(socket, 'POST', '/api/runs', HEADERS, { path: 'pipe.ipynb', backend: 'kubernetes', namespace: 'ml-team' });
    expect(started.statusCode).toBe(201);
    const run = started.json<RunState>();
    expect(run).toMatchObject({ backend: 'kubernetes', notebookPath: 'pipe.ipynb' });
    const events = parseEvents((await call(socket, 'GET', `/api/runs/${run.runId}/events`, { 'x-cellpipe-secret': SECRET })).body);
    expect(events[events.length - 1].data).toMatchObject({ status: 'Succeeded' });
    const created = k8s.requests.find(r => r.method === 'POST');
    expect(created?.path).toBe('/apis/argoproj.io/v1alpha1/namespaces/ml-team/workflows');
    const history = (await call(socket, 'GET', '/api/runs?path=pipe.ipynb', { 'x-cellpipe-secret': SECRET })).json<RunState[]>();
    expect(history.map(r => [r.runId, r.backend])).toEqual([[run.runId, 'kubernetes']]);
  });
});

describe('service routes: a damaged run store and clusters out of reach', () => {
  let root: string;
  let app: FastifyInstance;
  let kfpHost: string;
  const savedKubeconfig = process.env.KUBECONFIG;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cellpipe-root-'));
    writeFileSync(join(root, 'pipe.ipynb'), PIPELINE);
    // The service loads the Kubernetes backend on first use; its client is slow to transform under Jest.
    await import('../../backends/kubernetes/kubernetesBackend');
    // A kubeconfig and a KFP address whose servers have gone: nothing listens there any more.
    const k8s = new FakeKubernetes();
    await k8s.start();
    writeFileSync(join(root, 'kubeconfig'), k8s.kubeconfig('ml-team'));
    kfpHost = k8s.url;
    await k8s.stop();
    process.env.KUBECONFIG = join(root, 'kubeconfig');
    app = createService({ secret: SECRET, root, home: join(root, '.cellpipe') });
    await listen(app, { socket: join(root, '.svc.sock') });
  }, 120_000);

  afterAll(async () => {
    await app.close();
    process.env.KUBECONFIG = savedKubeconfig;
    rmSync(root, { recursive: true, force: true });
  });

  const socket = (): string => join(root, '.svc.sock');

  it('lists the readable runs of a notebook, names the unreadable ones in a header, and answers 409 naming the file for one', async () => {
    const started = (await call(socket(), 'POST', '/api/runs', HEADERS, { path: 'pipe.ipynb', python: 'python3' })).json<RunState>();
    await call(socket(), 'GET', `/api/runs/${started.runId}/events`, { 'x-cellpipe-secret': SECRET });
    const bad = 'pipe-20260101-000000-abcdef';
    mkdirSync(join(root, '.cellpipe', 'runs', bad));
    writeFileSync(join(root, '.cellpipe', 'runs', bad, 'run.json'), '{"runId": "pipe-2026');

    const history = await call(socket(), 'GET', '/api/runs?path=pipe.ipynb', { 'x-cellpipe-secret': SECRET });
    expect(history.statusCode).toBe(200);
    expect(history.json<RunState[]>().map(r => r.runId)).toEqual([started.runId]);
    expect(history.headers[SKIPPED_RUNS_HEADER]).toBe(bad);
    const one = await call(socket(), 'GET', `/api/runs/${bad}`, { 'x-cellpipe-secret': SECRET });
    // The store sits under the Jupyter root here: the file is named as JupyterLab names it.
    const error = one.json<ErrorBody>().error;
    expect([one.statusCode, error]).toEqual([409, expect.stringContaining(`: .cellpipe/runs/${bad}/run.json: it is not valid JSON`)]);
    expect(error).not.toContain(root);
  });

  it.each([
    [
      'Kubernetes',
      { backend: 'kubernetes', namespace: 'ml-team' },
      /cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+ .*check that the cluster is running/
    ],
    ['KFP', { backend: 'kfp' }, /cannot reach the KFP server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); check --kfp-host/]
  ])('answers 502 in words when the %s API cannot be reached', async (_name, body, message) => {
    const reply = await call(socket(), 'POST', '/api/runs', HEADERS, { path: 'pipe.ipynb', python: 'python3', kfpHost, ...body });
    expect([reply.statusCode, reply.json<ErrorBody>().error]).toEqual([502, expect.stringMatching(message)]);
  });
});

describe('service routes, a run store removed while a run goes', () => {
  let root: string;
  let home: string;
  let app: FastifyInstance;
  const socket = (): string => join(root, '.svc.sock');

  /** An event stream: `connected` once its first bytes (the run's state) arrived, `body` at its end. */
  function openStream(path: string): { connected: Promise<void>; body: Promise<string> } {
    let connected!: () => void;
    const first = new Promise<void>(resolve => (connected = resolve));
    const body = new Promise<string>((resolve, reject) => {
      const req = request({ socketPath: socket(), method: 'GET', path, headers: { 'x-cellpipe-secret': SECRET } }, res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', chunk => {
          text += chunk;
          connected();
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    return { connected: first, body };
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cellpipe-root-'));
    home = mkdtempSync(join(tmpdir(), 'cellpipe-store-'));
    // The step removes the whole run store: CELLPIPE_DATA_DIR is <store>/runs/<run>/data.
    const removesStore = [
      'import os, shutil, time',
      'while not os.path.exists("go"):',
      '    time.sleep(0.02)',
      'shutil.rmtree(os.path.dirname(os.path.dirname(os.path.dirname(os.environ["CELLPIPE_DATA_DIR"]))))'
    ].join('\n');
    writeFileSync(
      join(root, 'wipes.ipynb'),
      notebook([
        { tags: ['step:wipe'], source: removesStore },
        { tags: ['step:after'], source: 'print("after")' }
      ])
    );
    writeFileSync(join(root, 'pipe.ipynb'), PIPELINE);
    app = createService({ secret: SECRET, root, home });
    await listen(app, { socket: socket() });
  });

  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('fails that run in words on its event stream, and the service goes on serving and running', async () => {
    const run = (await call(socket(), 'POST', '/api/runs', HEADERS, { path: 'wipes.ipynb', python: 'python3' })).json<RunState>();
    const stream = openStream(`/api/runs/${run.runId}/events`);
    await stream.connected; // subscribed: then the step may remove the store
    writeFileSync(join(root, 'go'), '');
    const events = parseEvents(await stream.body);
    expect(events[events.length - 1]).toMatchObject({
      event: 'run',
      data: {
        status: 'Failed',
        message: expect.stringMatching(/^the folder of run \S+ \(.*\) was removed while the run was going, by a step's code or by hand/)
      }
    });
    expect((await call(socket(), 'GET', '/api/health', { 'x-cellpipe-secret': SECRET })).statusCode).toBe(200);
    const next = (await call(socket(), 'POST', '/api/runs', HEADERS, { path: 'pipe.ipynb', python: 'python3' })).json<RunState>();
    const nextEvents = parseEvents((await call(socket(), 'GET', `/api/runs/${next.runId}/events`, { 'x-cellpipe-secret': SECRET })).body);
    expect(nextEvents[nextEvents.length - 1].data).toMatchObject({ status: 'Succeeded' });
  });
});
