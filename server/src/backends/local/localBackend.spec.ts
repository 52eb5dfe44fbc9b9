import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineOf } from '../../../../src/core/compile/cluster/__fixtures__/pipelines';
import { RUNTIME_PATH } from '../../../../src/core/compile/runtime/contract';
import { compileStepScripts } from '../../../../src/core/compile/stepScript';
import type { RunEvent, RunRequest, RunState, RunnableStep } from '../../../../src/core/run/types';
import { LocalBackend, observedState } from './localBackend';
import { RunStore } from '../runStore';
import type { RunHandle } from '../backend';
import { processAlive as alive } from './stepProcess';
import { processStartTime } from './processIdentity';

/** What the runtime writes when a step ran to its end, without which an exit status of 0 is a failure. */
const recordCompletion = (id: string): string =>
  [
    'import json as _json, os as _os',
    `_folder = _os.path.join(_os.environ["CELLPIPE_DATA_DIR"], ${JSON.stringify(id)})`,
    '_os.makedirs(_folder, exist_ok=True)',
    'with open(_os.path.join(_folder, ".step.json"), "w") as _f:',
    '    _json.dump({"status": "Succeeded"}, _f)'
  ].join('\n');

/**
 * A step whose script is plain Python (these tests exercise the backend, not the compiler), ending
 * with the completion record the runtime would write.
 */
function step(id: string, script: string, dependsOn: string[] = [], cache = false): RunnableStep {
  return { id, name: `Step ${id}`, dependsOn, script: `${script}\n${recordCompletion(id)}`, cache };
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
    'json.dump({"score": 0.5}, open(os.path.join(d, ".metrics.json"), "w"))'
  ].join('\n');

const blockUntilFile = (path: string): string => `import os, time\nwhile not os.path.exists(${JSON.stringify(path)}):\n    time.sleep(0.02)`;

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

  it("records every change in run.json before the event loop's next turn, and the final state before the run is done", async () => {
    const store = new RunStore(home);
    // What run.json says of each step once the turn that emitted a step event is over.
    const recorded: Array<{ event: string; file: string }> = [];
    const watched = new LocalBackend({
      store,
      launcher,
      python: 'python3',
      workers: 2,
      onEvent: e => {
        if (e.type === 'step') {
          setImmediate(() => recorded.push({ event: e.step.status, file: store.load(e.runId).steps.find(s => s.id === e.step.id)!.status }));
        }
      }
    });
    const handle = await watched.startRequest(request([step('a', 'print(1)'), step('b', 'print(2)'), step('c', 'print(3)', ['a', 'b'])]), work);
    const state = await handle.done;
    expect(state.status).toBe('Succeeded');
    expect(store.load(state.runId)).toEqual(JSON.parse(JSON.stringify(state)));
    await new Promise(resolve => setImmediate(resolve));
    expect(recorded.filter(r => r.event === 'Running')).toHaveLength(3);
    // The file may already be ahead of an event (a later change in the same turn), never behind it.
    for (const { event, file } of recorded) {
      expect(event === 'Running' ? ['Running', 'Succeeded'] : ['Succeeded']).toContain(file);
    }
  });

  it('starts a step whose one dependency ends after it, in its slot: never more processes than workers', async () => {
    // With the fork launcher, b is asked for while a runs and starts the moment a ends (armSuccessor).
    const timeline = join(work, 'timeline');
    const timed = (id: string, seconds: number): string =>
      `import time\nwith open(${JSON.stringify(timeline)}, "a") as f: f.write("start ${id} %r\\n" % time.time())\n` +
      `time.sleep(${seconds})\nwith open(${JSON.stringify(timeline)}, "a") as f: f.write("end ${id} %r\\n" % time.time())`;
    const oneWorker = new LocalBackend({ store: new RunStore(home), launcher, python: 'python3', workers: 1, onEvent: e => events.push(e) });
    const handle = await oneWorker.startRequest(
      request([step('a', timed('a', 0.3)), step('b', timed('b', 0.1), ['a']), step('c', timed('c', 0.1))]),
      work
    );
    const state = await handle.done;
    expect(state.steps.map(s => s.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    const marks = readFileSync(timeline, 'utf8')
      .trim()
      .split('\n')
      .map(line => line.split(' '));
    let running = 0;
    for (const [mark] of marks.sort((x, y) => Number(x[2]) - Number(y[2]))) {
      running += mark === 'start' ? 1 : -1;
      expect(running).toBeLessThanOrEqual(1);
    }
    const [a, b] = state.steps;
    expect(b.startedAt! >= a.finishedAt!).toBe(true);
    const order = events.filter((e): e is Extract<RunEvent, { type: 'step' }> => e.type === 'step').map(e => `${e.step.id} ${e.step.status}`);
    expect(order.indexOf('b Running')).toBeGreaterThan(order.indexOf('a Succeeded'));
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
      failure: { cell: 3, line: 2, error: 'ValueError: no' }
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

  it('cancels steps still starting (no process id yet): each ends Cancelled, none is left running', async () => {
    const handle = await startRun(
      request([step('a', 'import time\ntime.sleep(60)'), step('b', 'import time\ntime.sleep(60)'), step('c', 'print(1)', ['a'])])
    );
    handle.cancel(); // at once: the steps' starts are under way
    const state = await handle.done;
    expect(state.status).toBe('Cancelled');
    expect(state.steps.map(s => [s.id, s.status])).toEqual([
      ['a', 'Cancelled'],
      ['b', 'Cancelled'],
      ['c', 'Cancelled']
    ]);
    // Every process a step got (its Running event's pid) has ended.
    const pids = events.flatMap(e => (e.type === 'step' && e.step.pid !== undefined ? [e.step.pid] : []));
    for (const pid of pids) {
      while (alive(pid)) {
        await new Promise(r => setTimeout(r, 50)); // jest's own timeout fails the test if it never dies
      }
    }
    expect(pids.filter(alive)).toEqual([]);
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
    const retrying = await backend.retry(new RunStore(home).load(failed.runId));
    // The caller (the service answering the sidebar's Retry) reads the run as going at once.
    expect(new RunStore(home).load(failed.runId).status).toBe('Running');
    const retried = await retrying.done;
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

  it('re-runs, when a parameter changes, only the steps that read it and their descendants', async () => {
    const notebook = (defaults: string) =>
      notebookOf([
        code(['pipeline-parameters'], defaults),
        code(['step:fit'], 'model = [lr] * 2'),
        code(['step:load'], 'rows = list(range(size))'),
        code(['step:score'], 'score = sum(model)'),
        code(['step:peek'], 'print(sorted(k for k in globals() if not k.startswith("_"))[:1])')
      ]);
    const statuses = async (defaults: string, parameters: Record<string, number>): Promise<Record<string, string>> => {
      const state = await (await backend.start({ pipeline: pipelineOf(notebook(defaults)), parameters, notebookDir: work })).done;
      expect(state.status).toBe('Succeeded');
      return Object.fromEntries(state.steps.map(s => [s.name, s.status]));
    };
    expect(await statuses('lr = 0.1\nsize = 10', { lr: 0.1, size: 10 })).toEqual({
      fit: 'Succeeded',
      load: 'Succeeded',
      score: 'Succeeded',
      peek: 'Succeeded'
    });
    // size: only load reads it (peek reads every name through globals()); fit and score are reused.
    expect(await statuses('lr = 0.1\nsize = 10', { lr: 0.1, size: 20 })).toEqual({
      fit: 'Cached',
      load: 'Succeeded',
      score: 'Cached',
      peek: 'Succeeded'
    });
    // lr: fit reads it, score depends on fit.
    expect(await statuses('lr = 0.1\nsize = 10', { lr: 0.2, size: 20 })).toEqual({
      fit: 'Succeeded',
      load: 'Cached',
      score: 'Succeeded',
      peek: 'Succeeded'
    });
    // A new default changes nothing where the run gives the parameter's value.
    expect(await statuses('lr = 0.1\nsize = 30', { lr: 0.2, size: 20 })).toEqual({ fit: 'Cached', load: 'Cached', score: 'Cached', peek: 'Cached' });
  });

  it("compiles a pipeline, writes the run's runtime file before its steps start, and the step scripts run it", async () => {
    const pipeline = pipelineOf(
      notebookOf([
        code(['imports'], 'import json'),
        code(['pipeline-parameters'], 'n = 2'),
        code(['step:make'], 'xs = list(range(n))'),
        code(['step:show'], 'print(json.dumps(xs))')
      ])
    );
    const state = await (await backend.start({ pipeline, parameters: { n: 3 }, notebookDir: work })).done;
    expect(state.status).toBe('Succeeded');
    const store = new RunStore(home);
    expect(readFileSync(join(store.dataDir(state.runId), RUNTIME_PATH), 'utf8')).toBe(compileStepScripts(pipeline).runtime);
    expect(store.loadRequest(state.runId).steps.map(s => s.imports)).toEqual([[], ['json']]);
    expect(readFileSync(store.logPath(state.runId, 'show'), 'utf8')).toBe('[0, 1, 2]\n');
  });

  it("announces each cell's outputs while its step runs, and a cached step's when it is restored", async () => {
    const gate = join(work, 'gate');
    const pipeline = pipelineOf(
      notebookOf([
        code(['imports'], 'import os, time'),
        code(['step:make'], 'xs = [1, 2]\nprint("made", len(xs))\nxs'),
        // Runs on once the test has seen cell 1's outputs announced: they came while the step ran.
        code(['step:make'], `while not os.path.exists(${JSON.stringify(gate)}):\n    time.sleep(0.02)\nlen(xs)`),
        code(['step:show'], 'print(sum(xs))')
      ])
    );
    const announced = (list: RunEvent[]): [string, number[]][] =>
      list.flatMap(e => (e.type === 'cell-outputs' ? [[e.stepId, e.cells] as [string, number[]]] : []));
    const seen: RunEvent[] = [];
    const gated = new LocalBackend({
      store: new RunStore(home),
      launcher,
      python: 'python3',
      workers: 2,
      onEvent: e => {
        seen.push(e);
        if (e.type === 'cell-outputs') {
          writeFileSync(gate, '');
        }
      }
    });
    const first = await (await gated.start({ pipeline, parameters: {}, notebookDir: work })).done;
    expect(first.status).toBe('Succeeded');
    expect(announced(seen)).toEqual([
      ['make', [1]],
      ['make', [2]],
      ['show', [3]]
    ]);
    const store = new RunStore(home);
    expect(store.readCellOutputs(first.runId, 'make')?.cells.map(c => c.outputs)).toEqual([
      [
        { output_type: 'stream', name: 'stdout', text: 'made 2\n' },
        { output_type: 'execute_result', data: { 'text/plain': '[1, 2]' }, metadata: {}, execution_count: null }
      ],
      [{ output_type: 'execute_result', data: { 'text/plain': '2' }, metadata: {}, execution_count: null }]
    ]);
    expect(readFileSync(store.logPath(first.runId, 'make'), 'utf8')).toBe('made 2\n'); // values are not printed

    // Run again unchanged: both steps come from the cache, each announced once with all its cells.
    const second = await (await backend.start({ pipeline, parameters: {}, notebookDir: work })).done;
    expect(second.steps.map(s => s.status)).toEqual(['Cached', 'Cached']);
    expect(announced(events)).toEqual([
      ['make', [1, 2]],
      ['show', [3]]
    ]);
    expect(store.readCellOutputs(second.runId, 'make')).toEqual(store.readCellOutputs(first.runId, 'make'));
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

  it.each([
    ['its code ends the process early', 'import os\nos._exit(0)', undefined],
    ['its "python" is /bin/true', 'print("never")', '/bin/true']
  ])("fails a step that exits 0 without the runtime's completion record: %s", async (_why, script, python) => {
    const runner = python ? new LocalBackend({ store: new RunStore(home), launcher, python, workers: 1 }) : backend;
    const raw: RunnableStep = { id: 'early', name: 'Step early', dependsOn: [], script, cache: true };
    const state = await (await runner.startRequest(request([raw, step('after', 'print(1)', ['early'])]), work)).done;
    expect(state.status).toBe('Failed');
    expect(state.steps[0]).toMatchObject({ status: 'Failed', exitCode: 0 });
    expect(state.steps[0].message).toMatch(
      /^the step's process exited with code 0 before the cellpipe runtime recorded the step's end \(\.step\.json\)/
    );
    expect(state.steps[1]).toMatchObject({ status: 'Skipped' });
    expect(existsSync(join(home, 'cache'))).toBe(false); // nothing cached from it either
  });

  it('fails a run whose folder its own step removes, with the reason, and goes on running other runs', async () => {
    const store = new RunStore(home);
    const other = await startRun(request([step('wait', blockUntilFile(join(work, 'go-on')))]));
    const removeOwnRun = 'import os, shutil\nshutil.rmtree(os.path.dirname(os.environ["CELLPIPE_DATA_DIR"]))';
    const removed = await (await startRun(request([step('rm', removeOwnRun), step('next', 'print(1)', ['rm'])]))).done;
    expect(removed.status).toBe('Failed');
    expect(removed.message).toMatch(
      /^the folder of run \S+ \(.*\) was removed while the run was going, by a step's code or by hand; the run was stopped and its steps ended\. Start the run again$/
    );
    // The step ran to its end (its code recreated a part of the folder), unless the removal was found
    // while it ran (the run's record is written once per turn of the event loop): then it was ended.
    // The next one never runs.
    const [rm, next] = removed.steps;
    expect(rm.status === 'Succeeded' || (rm.status === 'Failed' && rm.message === removed.message)).toBe(true);
    expect(next.status).toBe('Cancelled');
    expect(removed.steps[1].message).toBe(removed.message);
    expect(events.filter(e => e.type === 'run' && e.runId === removed.runId).pop()).toMatchObject({ status: 'Failed', message: removed.message });
    writeFileSync(join(work, 'go-on'), '');
    expect((await other.done).status).toBe('Succeeded');
    expect(store.load(other.runId).status).toBe('Succeeded');
  });

  /** A code cell of a test notebook. */
  function code(tags: string[], source: string): object {
    return { cell_type: 'code', metadata: { tags }, source, outputs: [], execution_count: null };
  }

  /** An nbformat 4.5 notebook of these cells. */
  function notebookOf(cells: object[]): object {
    return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
  }

  describe('a recorded pid that another process has by now', () => {
    let unrelated: ChildProcess;
    let exit: Promise<NodeJS.Signals | null>;

    beforeEach(() => {
      // Leads its own process group, as a kernel does: what a stale pid could point at.
      unrelated = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
      exit = new Promise(resolve => unrelated.on('exit', (_code, signal) => resolve(signal)));
    });

    afterEach(() => {
      unrelated.kill('SIGKILL');
    });

    /** A finished run made to look interrupted, its step recorded with `pid` and `pidStartTime`. */
    async function interruptedRun(pidStartTime: string | undefined): Promise<RunState> {
      const store = new RunStore(home);
      const done = await (await startRun(request([step('a', 'print(1)')]))).done;
      const state: RunState = { ...done, status: 'Running', runner: { pid: 2 ** 22 + 12345, host: hostname() } };
      state.steps[0] = { ...state.steps[0], status: 'Running', pid: unrelated.pid, pidStartTime };
      store.save(state);
      return store.load(state.runId);
    }

    /** How `unrelated` ends once this test signals it: SIGTERM unless something killed it first. */
    async function endedBy(): Promise<NodeJS.Signals | null> {
      unrelated.kill('SIGTERM'); // a SIGKILL already sent is delivered first
      return exit;
    }

    it.each([
      ['cancel', (state: RunState) => backend.cancel(state)],
      ['retry', async (state: RunState) => (await backend.retry(state)).done]
    ])('%s leaves it alone', async (_name, act) => {
      await act(await interruptedRun('1')); // the step's process started at another time
      expect(await endedBy()).toBe('SIGTERM');
    });

    it('cancel kills it when it is provably the step (its start time as recorded)', async () => {
      await backend.cancel(await interruptedRun(processStartTime(unrelated.pid!)));
      expect(await exit).toBe('SIGKILL');
    });

    it("is not taken for the run's runner", async () => {
      const state = await interruptedRun(undefined);
      expect(observedState({ ...state, runner: { pid: unrelated.pid!, host: hostname(), startTime: '1' } }).status).toBe('Failed');
      expect(observedState({ ...state, runner: { pid: process.pid, host: hostname(), startTime: processStartTime(process.pid) } }).status).toBe(
        'Running'
      );
    });
  });
});
