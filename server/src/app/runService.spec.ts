import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent, RunState } from '../../../src/core/run/types';
import * as forkServer from '../backends/local/forkServer';
import { threadsPerStep } from '../backends/local/threadLimits';
import { RunStore } from '../backends/runStore';
import { argoScenario } from '../backends/testing/argoScenario';
import { FakeKubernetes } from '../backends/testing/fakeKubernetes';
import { CellpipeError } from '../errors';
import * as analysisCache from './analysisCache';
import { notebookInFolder } from './notebookFile';
import { RunService } from './runService';

function notebookText(cells: Array<[tags: string[], source: string]>): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map(([tags, source], i) => ({ cell_type: 'code', id: `c${i}`, metadata: { tags }, source, outputs: [], execution_count: null }))
  });
}

const PIPELINE = notebookText([
  [['pipeline-parameters'], 'n = 3\nrate = 0.5\nname = "x"'],
  [['step:make'], 'xs = list(range(n))\nprint("made", len(xs), rate, name)'],
  [['step:total'], 'total = sum(xs)\nprint("total", total)']
]);

/** The error a promise rejects with, to check its kind and words. */
async function failure(promise: Promise<unknown>): Promise<CellpipeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(CellpipeError);
  return error as CellpipeError;
}

describe('RunService: the application layer the CLI and the service share', () => {
  let dir: string;
  let store: RunStore;
  let events: RunEvent[];
  let runs: RunService;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellpipe-app-'));
    writeFileSync(join(dir, 'pipe.ipynb'), PIPELINE);
    store = new RunStore(join(dir, 'home'));
    events = [];
    runs = new RunService({ store, onEvent: e => events.push(e) });
  });

  afterEach(async () => {
    await runs.settle();
    rmSync(dir, { recursive: true, force: true });
  });

  const notebook = () => notebookInFolder(dir, 'pipe.ipynb');

  it("runs a notebook locally with typed values and NAME=VALUE texts, each read by its parameter's type", async () => {
    const handle = await runs.start({
      notebook: notebook(),
      parameters: { n: 4 },
      parameterTexts: ['rate=2', 'name=7'],
      python: 'python3',
      workers: 2
    });
    const state = await handle.done;
    expect(state).toMatchObject({ status: 'Succeeded', notebookPath: 'pipe.ipynb', parameters: { n: 4, rate: 2, name: '7' }, cwd: dir });
    expect(await runs.stepLog(state.runId, 'make')).toBe('made 4 2.0 7\n');
    expect(await runs.stepLog(state.runId, 'total')).toBe('total 6\n');
    expect(await runs.stepOutputs(state.runId, 'make')).toEqual([expect.objectContaining({ name: 'xs', type: 'list' })]);
    expect(events.filter(e => e.type === 'run').map(e => (e as { status: string }).status)).toEqual(['Running', 'Succeeded']);
    expect((await runs.list('pipe.ipynb')).runs.map(s => s.runId)).toEqual([state.runId]);
    expect(await runs.list('other.ipynb')).toEqual({ runs: [], unreadable: [] });
  });

  it('refuses what cannot be right, by kind, before anything is recorded', async () => {
    expect(await failure(runs.start({ notebook: notebook(), parameters: { n: '4' } }))).toMatchObject({
      kind: 'invalid',
      message: 'parameter n: "4" is not of type int (the default is 3)'
    });
    expect(await failure(runs.start({ notebook: notebook(), parameters: { m: 1 } }))).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/no parameter 'm' \(its parameters: n, rate, name\)/)
    });
    expect(await failure(runs.start({ notebook: notebook(), parameterTexts: ['n=many'] }))).toMatchObject({ kind: 'invalid' });
    expect(await failure(runs.start({ notebook: notebook(), backend: 'cloud' as never }))).toMatchObject({ kind: 'invalid' });
    expect(await failure(runs.start({ notebook: notebook(), workers: 1.5 }))).toMatchObject({ kind: 'invalid' });
    const savedHost = process.env.KFP_HOST;
    delete process.env.KFP_HOST;
    try {
      expect(await failure(runs.start({ notebook: notebook(), backend: 'kfp' }))).toMatchObject({
        kind: 'invalid',
        message: expect.stringMatching(/Kubeflow Pipelines API/)
      });
    } finally {
      if (savedHost !== undefined) process.env.KFP_HOST = savedHost;
    }
    expect(await failure(runs.start({ notebook: notebookInFolder(dir, 'missing.ipynb') }))).toMatchObject({ kind: 'not-found' });
    writeFileSync(join(dir, 'broken.ipynb'), notebookText([[['step:a'], 'def (']]));
    expect(await failure(runs.start({ notebook: notebookInFolder(dir, 'broken.ipynb') }))).toMatchObject({ kind: 'notebook' });
    expect(store.loadAll()).toEqual([]);
    expect(await failure(runs.state('no-such-run'))).toMatchObject({ kind: 'not-found' });
    expect(await failure(runs.state('../etc'))).toMatchObject({ kind: 'invalid' });
  });

  it('cancels a run another process follows through its marker, and refuses what a finished run cannot do', async () => {
    writeFileSync(join(dir, 'slow.ipynb'), notebookText([[['step:wait'], 'import time\ntime.sleep(60)']]));
    const handle = await runs.start({ notebook: notebookInFolder(dir, 'slow.ipynb'), python: 'python3' });
    // Another process (the CLI beside the service) sees the run as running and not its own.
    const other = new RunService({ store });
    expect(await other.cancel(handle.runId)).toBe(`cancel requested for run ${handle.runId}`);
    const state = await handle.done;
    expect(state.status).toBe('Cancelled');
    expect(await failure(other.cancel(handle.runId))).toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(/is Cancelled: nothing to cancel/)
    });
    const done = await (await runs.start({ notebook: notebook(), python: 'python3' })).done;
    expect(await failure(other.retry(done.runId))).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/nothing to retry/) });
    expect(await failure(other.stepLog(done.runId, 'nope'))).toMatchObject({
      kind: 'not-found',
      message: expect.stringMatching(/its steps: make, total/)
    });
  });
  it("starts a local run's step launcher before analysing its notebook, and forks the run's steps from it", async () => {
    writeFileSync(join(dir, 'parent.ipynb'), notebookText([[['step:where'], 'import os\nprint("parent", os.getppid())']]));
    const prepare = forkServer.prepareForkServer;
    const launchers: number[] = [];
    const prepared = jest.spyOn(forkServer, 'prepareForkServer').mockImplementation((...args) => {
      prepare(...args);
      launchers.push(...forkServer.preparedLauncherPids());
    });
    const analysed = jest.spyOn(analysisCache, 'analyzeNotebookFile');
    try {
      const cli = new RunService({ store, prepareNextRun: false });
      const state = await (await cli.start({ notebook: notebookInFolder(dir, 'parent.ipynb'), python: 'python3', workers: 1 })).done;
      expect(state.status).toBe('Succeeded');
      expect(prepared).toHaveBeenCalledTimes(1);
      expect(prepared.mock.calls[0]).toEqual(['python3', [], threadsPerStep(1)]);
      expect(prepared.mock.invocationCallOrder[0]).toBeLessThan(analysed.mock.invocationCallOrder[0]);
      expect(await cli.stepLog(state.runId, 'where')).toBe(`parent ${launchers[0]}\n`);
      // The CLI exits after its run: no launcher is left waiting for a next one.
      expect(forkServer.preparedLauncherPids()).toEqual([]);
    } finally {
      prepared.mockRestore();
      analysed.mockRestore();
    }
  });

  it('keeps a launcher ready for the next local run of the notebook, in the service', async () => {
    const state = await (await runs.start({ notebook: notebook(), python: 'python3' })).done;
    expect(state.status).toBe('Succeeded');
    expect(forkServer.preparedLauncherPids()).toHaveLength(1);
  });

  describe('retry runs the notebook as it is now', () => {
    const cells = (scale: number, total: string, more: Array<[string[], string]> = []) =>
      notebookText([
        [['pipeline-parameters'], `n = 3\nscale = ${scale}`],
        [['step:make'], 'xs = list(range(n))\nprint("made", xs)'],
        [['step:total'], `total = sum(xs) * scale\n${total}`],
        ...more
      ]);
    const FAILING = cells(2, 'print("total", total)\nraise ValueError("a bug")');
    const FIXED = cells(2, 'print("total", total)');
    const retryHere = (runId: string, from?: string) => runs.retry(runId, { from, notebook: path => notebookInFolder(dir, path) });

    it("runs the user's fix, reusing the values of the steps above it; the log holds the new attempt only", async () => {
      writeFileSync(join(dir, 'pipe.ipynb'), FAILING);
      const failed = await (await runs.start({ notebook: notebook(), python: 'python3' })).done;
      expect(failed.steps.map(s => s.status)).toEqual(['Succeeded', 'Failed']);
      expect(await runs.stepLog(failed.runId, 'total')).toContain('ValueError: a bug');

      writeFileSync(join(dir, 'pipe.ipynb'), FIXED);
      const handle = await retryHere(failed.runId);
      expect(handle.runId).toBe(failed.runId);
      const fixed = await handle.done;
      expect(fixed.status).toBe('Succeeded');
      expect(fixed.steps.map(s => [s.name, s.status, s.attempts])).toEqual([
        ['make', 'Succeeded', 1],
        ['total', 'Succeeded', 2]
      ]);
      expect(await runs.stepLog(fixed.runId, 'total')).toBe('total 6\n');
      expect(readFileSync(store.logPath(fixed.runId, 'total') + '.1', 'utf8')).toContain('ValueError: a bug');
      // The run's notebook is the one it ran last: its cells' outputs join the fixed sources.
      expect(store.readNotebook(fixed.runId)).toBe(FIXED);
      expect(runs.cellOutputs(fixed.runId, 'total').cells[0].source).not.toContain('raise');
    });

    it("takes the notebook's new defaults where the run took the defaults, and keeps values given for the run", async () => {
      writeFileSync(join(dir, 'pipe.ipynb'), FAILING);
      const failed = await (await runs.start({ notebook: notebook(), python: 'python3', parameters: { n: 4 } })).done;
      expect(failed.parameters).toEqual({ n: 4, scale: 2 });
      writeFileSync(join(dir, 'pipe.ipynb'), cells(10, 'print("total", total)'));
      const fixed = await (await retryHere(failed.runId)).done;
      expect(fixed.parameters).toEqual({ n: 4, scale: 10 });
      // make reads n only: its values stand; total reads scale: it runs with the new value.
      expect(fixed.steps.map(s => s.attempts)).toEqual([1, 2]);
      expect(await runs.stepLog(fixed.runId, 'total')).toBe('total 60\n');
    });

    it("starts a new run when the steps changed, and runs the run's own code when asked", async () => {
      writeFileSync(join(dir, 'pipe.ipynb'), FAILING);
      const failed = await (await runs.start({ notebook: notebook(), python: 'python3' })).done;
      // The run's own code: the same failure again.
      const again = await (await runs.retry(failed.runId)).done;
      expect(again.steps.map(s => s.status)).toEqual(['Succeeded', 'Failed']);

      writeFileSync(join(dir, 'pipe.ipynb'), cells(2, 'print("total", total)', [[['step:report'], 'print(total)']]));
      const handle = await retryHere(failed.runId);
      expect(handle.runId).not.toBe(failed.runId);
      const fresh = await handle.done;
      expect(fresh.steps.map(s => [s.name, s.status])).toEqual([
        ['make', 'Cached'],
        ['total', 'Succeeded'],
        ['report', 'Succeeded']
      ]);
      expect(store.load(failed.runId).status).toBe('Failed');
    });
  });
});

describe('RunService: runs on Kubernetes that this process did not start', () => {
  let dir: string;
  let k8s: FakeKubernetes;
  const savedKubeconfig = process.env.KUBECONFIG;

  beforeAll(async () => {
    await import('../backends/kubernetes/kubernetesBackend'); // slow to transform under Jest, once
    dir = mkdtempSync(join(tmpdir(), 'cellpipe-app-k8s-'));
    writeFileSync(join(dir, 'pipe.ipynb'), PIPELINE);
    k8s = new FakeKubernetes({ scenario: wf => argoScenario(wf, {}) });
    await k8s.start();
    writeFileSync(join(dir, 'kubeconfig'), k8s.kubeconfig('ml-team'));
    process.env.KUBECONFIG = join(dir, 'kubeconfig');
  }, 120_000);

  afterAll(async () => {
    await k8s.stop();
    process.env.KUBECONFIG = savedKubeconfig;
    rmSync(dir, { recursive: true, force: true });
  });

  it('are refreshed from the cluster, read, and refused a retry with words', async () => {
    const store = new RunStore(join(dir, 'home'));
    const first = new RunService({ store });
    const finished = await (await first.start({ notebook: notebookInFolder(dir, 'pipe.ipynb'), backend: 'kubernetes', parameters: { n: 5 } })).done;
    expect(finished.status).toBe('Succeeded');
    const created = k8s.requests.find(r => r.method === 'POST')!.body as {
      spec: { arguments: { parameters: Array<{ name: string; value: string }> } };
    };
    expect(created.spec.arguments.parameters.find(p => p.name === 'n')?.value).toBe('5');

    // As if the process that followed it had died while it ran: the record says Running.
    const stale: RunState = { ...finished, status: 'Running', finishedAt: undefined, steps: finished.steps.map(s => ({ ...s, status: 'Running' })) };
    store.save(stale);
    const second = new RunService({ store });
    const refreshed = await second.state(finished.runId);
    expect(refreshed.status).toBe('Succeeded');
    expect(refreshed.steps.map(s => s.status)).toEqual(['Succeeded', 'Succeeded']);
    expect(JSON.parse(readFileSync(join(store.runDir(finished.runId), 'run.json'), 'utf8')).status).toBe('Succeeded');
    expect(await second.stepLog(finished.runId, 'total')).toBe(await first.stepLog(finished.runId, 'total'));
    expect(await failure(second.retry(finished.runId))).toMatchObject({ kind: 'unsupported', message: expect.stringMatching(/ran on Kubernetes/) });
    expect(await failure(second.cancel(finished.runId))).toMatchObject({ kind: 'conflict' });
  });
});
