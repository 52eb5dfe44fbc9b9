import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineOf } from '../../../../src/core/compile/cluster/__fixtures__/pipelines';
import { RUNTIME_PATH } from '../../../../src/core/compile/runtime/contract';
import { compileStepScripts } from '../../../../src/core/compile/stepScript';
import type { RunEvent, RunRequest, RunnableStep } from '../../../../src/core/run/types';
import { LocalBackend, observedState } from './localBackend';
import { RunStore } from '../runStore';
import type { RunHandle } from '../backend';
import { processAlive as alive } from './stepProcess';

/** A step whose script is plain Python: these tests exercise the backend, not the compiler. */
function step(id: string, script: string, dependsOn: string[] = [], cache = false): RunnableStep {
  return { id, name: `Step ${id}`, dependsOn, script, cache };
}

function request(steps: RunnableStep[], parameters = {}): RunRequest {
  return { pipelineName: 'Backend Test!', steps, parameters };
}

const writeDone = (id: string): string =>
  [
    'import json, os',
    `d = os.path.join(os.environ["CELLPIPE_DATA_DIR"], ${JSON.stringify(id)})`,
    'os.makedirs(d, exist_ok=True)',
    'open(os.path.join(d, "value.txt"), "w").write("v")',
    'json.dump({"status": "Succeeded"}, open(os.path.join(d, ".step.json"), "w"))',
    'json.dump({"score": 0.5}, open(os.path.join(d, ".metrics.json"), "w"))'
  ].join('\n');

// Every behaviour holds whichever way steps are started (forkServer.ts).
describe.each(['fork', 'spawn'] as const)('LocalBackend (%s)', launcher => {
  let home: string;
  let work: string;
  let events: RunEvent[];
  let backend: LocalBackend;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cellpipe-home-'));
    work = mkdtempSync(join(tmpdir(), 'cellpipe-work-'));
    events = [];
    backend = new LocalBackend({
      store: new RunStore(home),
      launcher,
      python: 'python3',
      workers: 2,
      onEvent: e => events.push(e)
    });
  });

  const startRun = (runRequest: RunRequest): Promise<RunHandle> => backend.startRequest(runRequest, work);

  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('runs independent steps at the same time and a dependent one after them', async () => {
    const sleepy = (id: string): string => `import time, pathlib\npathlib.Path(${JSON.stringify(id)}).touch()\ntime.sleep(0.4)\nprint("done ${id}")`;
    const handle = await startRun(request([step('a', sleepy('a')), step('b', sleepy('b')), step('c', 'print("after both")', ['a', 'b'])]));
    const state = await handle.done;
    expect(state.status).toBe('Succeeded');
    const [a, b, c] = state.steps;
    // b started before a finished: they overlapped.
    expect(b.startedAt! < a.finishedAt!).toBe(true);
    expect(c.startedAt! >= a.finishedAt! && c.startedAt! >= b.finishedAt!).toBe(true);
    // steps run in the notebook's folder, like Run All
    expect(existsSync(join(work, 'a'))).toBe(true);
    const store = new RunStore(home);
    expect(readFileSync(store.logPath(state.runId, 'c'), 'utf8')).toBe('after both\n');
    expect(store.load(state.runId)).toEqual(JSON.parse(JSON.stringify(state)));
    expect(state.runId).toMatch(/^backend-test-\d{8}-\d{6}-[0-9a-f]{6}$/);
  });

  it('skips what depends on a failed step and lets independent branches finish', async () => {
    const handle = await startRun(
      request([
        step('bad', 'print("about to fail")\nraise SystemExit(3)'),
        step('child', 'print("never")', ['bad']),
        step('grandchild', 'print("never")', ['child']),
        step('other', 'print("independent")')
      ])
    );
    const state = await handle.done;
    const byId = Object.fromEntries(state.steps.map(s => [s.id, s]));
    expect(state.status).toBe('Failed');
    expect(state.message).toBe("step 'Step bad' failed: the step's process exited with code 3");
    expect(byId.bad).toMatchObject({ status: 'Failed', exitCode: 3, message: "the step's process exited with code 3" });
    expect(byId.child).toMatchObject({ status: 'Skipped', message: "not run: step 'Step bad' failed" });
    expect(byId.grandchild).toMatchObject({ status: 'Skipped', message: "not run: step 'Step child' was skipped" });
    expect(byId.other.status).toBe('Succeeded');
    expect(
      events
        .filter((e): e is Extract<RunEvent, { type: 'log' }> => e.type === 'log')
        .map(e => e.text)
        .join('')
    ).toContain('about to fail');
  });

  it("takes a failure's message and notebook cell and line from the runtime's failed event", async () => {
    const failed = { event: 'failed', kind: 'user', message: 'ValueError: no', cell: '<cell 4: step b>', line: 2 };
    const script = `import json, os\nopen(os.environ["CELLPIPE_EVENTS"], "a").write(json.dumps(${JSON.stringify(failed)}) + "\\n")\nraise SystemExit(1)`;
    const state = await (await startRun(request([step('b', script)]))).done;
    expect(state.steps[0]).toMatchObject({
      status: 'Failed',
      message: 'ValueError: no (<cell 4: step b>, line 2)',
      failure: { cell: 4, line: 2, error: 'ValueError: no' }
    });
  });

  it('cancels: kills the step and the processes it started, and marks the rest cancelled', async () => {
    const pidFile = join(work, 'grandchild.pid');
    const script = [
      'import subprocess, sys, time',
      `p = subprocess.Popen(["sleep", "60"])`,
      `open(${JSON.stringify(pidFile)}, "w").write(str(p.pid))`,
      'time.sleep(60)'
    ].join('\n');
    const handle = await startRun(request([step('long', script), step('next', 'print(1)', ['long'])]));
    while (!existsSync(pidFile) || !readFileSync(pidFile, 'utf8')) {
      await new Promise(r => setTimeout(r, 50));
    }
    handle.cancel();
    const state = await handle.done;
    expect(state.status).toBe('Cancelled');
    expect(state.steps.map(s => s.status)).toEqual(['Cancelled', 'Cancelled']);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    while (alive(grandchild)) {
      await new Promise(r => setTimeout(r, 50)); // jest's own timeout fails the test if it never dies
    }
    expect(alive(grandchild)).toBe(false);
  });

  it('cancels from another process through the run store', async () => {
    const handle = await startRun(request([step('long', 'import time\ntime.sleep(60)')]));
    const store = new RunStore(home);
    while (store.load(handle.runId).steps[0].status !== 'Running') {
      await new Promise(r => setTimeout(r, 50));
    }
    writeFileSync(store.cancelMarker(handle.runId), '');
    expect((await handle.done).status).toBe('Cancelled');
  });

  it('retries from the failed step, reusing what succeeded', async () => {
    const flag = join(work, 'fixed');
    const handle = await startRun(
      request([
        step('first', `${writeDone('first')}\nprint("first ran")`),
        step('flaky', `import os\nif not os.path.exists(${JSON.stringify(flag)}):\n    raise SystemExit("not yet")\nprint("flaky ran")`, ['first']),
        step('last', 'print("last ran")', ['flaky'])
      ])
    );
    const failed = await handle.done;
    expect(failed.steps.map(s => s.status)).toEqual(['Succeeded', 'Failed', 'Skipped']);
    writeFileSync(flag, '');
    const retried = await (await backend.retry(new RunStore(home).load(failed.runId))).done;
    expect(retried.runId).toBe(failed.runId);
    expect(retried.status).toBe('Succeeded');
    expect(retried.steps.map(s => s.attempts)).toEqual([1, 2, 1]);
    const store = new RunStore(home);
    expect(readFileSync(store.logPath(failed.runId, 'first'), 'utf8')).toBe('first ran\n');
    expect(readFileSync(store.logPath(failed.runId, 'flaky'), 'utf8')).toContain('flaky ran');
    await expect(backend.retry(new RunStore(home).load(failed.runId))).rejects.toThrow(/nothing to retry/);
  });

  it('reuses the outputs of an unchanged step and reruns a changed one', async () => {
    const first = await (await startRun(request([step('s', writeDone('s'), [], true), step('t', writeDone('t'), ['s'], true)]))).done;
    expect(first.steps.map(s => s.status)).toEqual(['Succeeded', 'Succeeded']);
    expect(first.metrics).toEqual({ score: 0.5 });

    const second = await (await startRun(request([step('s', writeDone('s'), [], true), step('t', writeDone('t'), ['s'], true)]))).done;
    expect(second.steps.map(s => s.status)).toEqual(['Cached', 'Cached']);
    expect(second.steps[0].message).toBe(`outputs reused from run ${first.runId}`);
    const store = new RunStore(home);
    expect(readFileSync(join(store.dataDir(second.runId), 't', 'value.txt'), 'utf8')).toBe('v');

    // A changed upstream step invalidates everything below it; other parameters do too.
    const changed = await (
      await startRun(request([step('s', writeDone('s') + '\n# edited', [], true), step('t', writeDone('t'), ['s'], true)]))
    ).done;
    expect(changed.steps.map(s => s.status)).toEqual(['Succeeded', 'Succeeded']);
    const params = await (await startRun(request([step('s', writeDone('s'), [], true)], { lr: 0.1 }))).done;
    expect(params.steps[0].status).toBe('Succeeded');
  });

  it("compiles a pipeline, writes the run's runtime file before its steps start, and the step scripts run it", async () => {
    const code = (tags: string[], source: string): object => ({ cell_type: 'code', metadata: { tags }, source, outputs: [], execution_count: null });
    const pipeline = pipelineOf({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        code(['imports'], 'import json'),
        code(['pipeline-parameters'], 'n = 2'),
        code(['step:make'], 'xs = list(range(n))'),
        code(['step:show'], 'print(json.dumps(xs))')
      ]
    });
    const state = await (await backend.start({ pipeline, parameters: { n: 3 }, notebookDir: work })).done;
    expect(state.status).toBe('Succeeded');
    const store = new RunStore(home);
    expect(readFileSync(join(store.dataDir(state.runId), RUNTIME_PATH), 'utf8')).toBe(compileStepScripts(pipeline).runtime);
    expect(store.loadRequest(state.runId).steps.map(s => s.imports)).toEqual([[], ['json']]);
    expect(readFileSync(store.logPath(state.runId, 'show'), 'utf8')).toBe('[0, 1, 2]\n');
  });

  it('refuses a cycle or an unknown dependency before creating a run', async () => {
    await expect(startRun(request([step('a', '', ['b']), step('b', '', ['a'])]))).rejects.toThrow(/cycle/);
    await expect(startRun(request([step('a', '', ['zzz'])]))).rejects.toThrow(/unknown step 'zzz'/);
    expect(new RunStore(home).list()).toEqual([]);
  });

  it('reports a missing interpreter as the step failure', async () => {
    const broken = new LocalBackend({ store: new RunStore(home), launcher, python: join(work, 'no-such-python'), workers: 1 });
    const state = await (await broken.startRequest(request([step('a', 'print(1)')]), work)).done;
    expect(state.steps[0].status).toBe('Failed');
    expect(state.steps[0].message).toMatch(/cannot start .*no-such-python/);
  });

  it('reports a run whose runner died as failed, and retries it', async () => {
    const store = new RunStore(home);
    const handle = await startRun(request([step('a', writeDone('a'))]));
    await handle.done;
    // Pretend the run was interrupted: a runner pid that no longer exists.
    const interrupted = { ...store.load(handle.runId), status: 'Running' as const, runner: { pid: 2 ** 22 + 12345, host: hostname() } };
    interrupted.steps[0].status = 'Running';
    store.save(interrupted);
    const seen = observedState(store.load(handle.runId));
    expect(seen.status).toBe('Failed');
    expect(seen.message).toMatch(/stopped before it finished; `cellpipe retry/);
    const resumed = await (await backend.retry(new RunStore(home).load(handle.runId))).done;
    expect(resumed.status).toBe('Succeeded');
  });
});
