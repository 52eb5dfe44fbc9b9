/**
 * Faults, with real processes: the CLI bundled from this checkout runs notebooks, and the specs
 * kill steps and runners with SIGKILL, cancel from another process, and feed bad parameters.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CELL_OUTPUTS_FILE, readStepCellOutputs } from '../../../src/core/run/cellOutputs';
import { readStepResult, STEP_RESULT_FILE } from '../../../src/core/run/stepResult';
import type { RunState, StepState } from '../../../src/core/run/types';
import { processAlive } from '../backends/local/stepProcess';
import { RunStore } from '../backends/runStore';
import { cli, finished, runNotebook, startCli, testPython, type RunSummary } from '../testing/cliProcess';
import { writeNotebook, type CellSpec } from '../equivalence/notebookBuilder';

const TIMEOUT = 60_000;
let home: string;
let work: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'cellpipe-faults-home-'));
  work = mkdtempSync(join(tmpdir(), 'cellpipe-faults-work-'));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function notebook(cells: CellSpec[]): string {
  const path = join(work, 'faults.ipynb');
  writeNotebook(path, cells);
  return path;
}

const store = (): RunStore => new RunStore(home);

/** Polls the run store until `ready` holds for the newest run (the jest timeout ends a hang). */
async function waitFor(ready: (state: RunState) => boolean): Promise<RunState> {
  for (;;) {
    const [runId] = existsSync(join(home, 'runs')) ? store().list() : [];
    if (runId) {
      try {
        const state = store().load(runId);
        if (ready(state)) {
          return state;
        }
      } catch {
        // run.json is written atomically, but the run folder may not be complete yet
      }
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

const step = (state: RunState, name: string): StepState => state.steps.find(s => s.name === name)!;

/** A step that blocks in a loop until a file appears in its working folder. */
const blockUntil = (file: string): string => `import os, time\nwhile not os.path.exists(${JSON.stringify(file)}):\n    time.sleep(0.02)`;

describe('cellpipe run, faults', () => {
  it(
    'a step killed while writing a large output leaves no partial value; retry finishes the run',
    async () => {
      const path = notebook([
        [
          ['functions'],
          `import os, time\n\nclass Slow:\n    """Pickles slowly the first time: the step is still writing when it is killed."""\n    def __reduce__(self):\n${blockUntil('go-on').replace(/^/gm, '        ')}\n        return (Slow, ())`
        ],
        [['step:produce'], 'big = [bytes(32 << 20), Slow()]\nprint("produced")'],
        [['step:consume'], 'print(len(big[0]), type(big[1]).__name__)']
      ]);
      const run = startCli(['run', path, '--json', '--python', testPython], { home, cwd: work });
      const result = finished(run);
      // The temporary file of `big` holds the 32 MiB already written, and its writer is blocked.
      const writing = await waitFor(state => {
        const folder = join(store().dataDir(state.runId), 'produce');
        return (
          existsSync(folder) && readdirSync(folder).some(f => f.startsWith('.cellpipe.tmp-') && readFileSync(join(folder, f)).length >= 32 << 20)
        );
      });
      process.kill(step(writing, 'produce').pid!, 'SIGKILL');
      const killed = await result;
      const summary: RunSummary = JSON.parse(killed.stdout);
      expect(killed.code).toBe(1);
      expect(summary.status).toBe('Failed');
      expect(summary.steps.map(s => s.status)).toEqual(['Failed', 'Skipped']);
      expect(summary.message).toContain("step 'produce' failed: the step's process was killed by SIGKILL");
      const folder = join(store().dataDir(summary.runId), 'produce');
      // No big.pkl, no big.json: only what the cells showed so far, a whole document (written by rename too).
      expect(readdirSync(folder).filter(f => !f.startsWith('.cellpipe.tmp-'))).toEqual([CELL_OUTPUTS_FILE]);
      expect(readStepCellOutputs(readFileSync(join(folder, CELL_OUTPUTS_FILE), 'utf8'))).toBeDefined();

      writeFileSync(join(work, 'go-on'), '');
      const retried = await cli(['retry', summary.runId, '--json'], { home, cwd: work });
      expect(retried.code).toBe(0);
      expect(JSON.parse(retried.stdout).status).toBe('Succeeded');
      expect(readdirSync(folder).sort()).toEqual([CELL_OUTPUTS_FILE, '.step.json', 'big.json', 'big.pkl']);
      expect((await cli(['logs', summary.runId, 'consume'], { home })).stdout).toBe(`${32 << 20} Slow\n`);
    },
    TIMEOUT
  );

  it.each([
    ['a generator', 'class Table:\n    def rows(self):\n        yield from range(3)', 'Table().rows()', 'a live generator'],
    ['an open file', 'def opened(name):\n    return open(name)', 'opened("faults.ipynb")', 'an open file']
  ])(
    'an output that is %s fails its step with the variable name',
    async (_what, helper, call, reason) => {
      const path = notebook([
        [['functions'], helper],
        [['step:make'], `values = ${call}`],
        [['step:use'], 'print(values)']
      ]);
      const { code, summary } = await runNotebook(path, { home, cwd: work });
      expect(code).toBe(1);
      expect(summary.steps.map(s => s.status)).toEqual(['Failed', 'Skipped']);
      expect(summary.message).toMatch(
        new RegExp(`^step 'make' failed: output 'values' of step 'make' is a \\S+, which cannot be passed to other steps: ${reason}`)
      );
      const status = await cli(['status', summary.runId, '--json'], { home });
      expect(JSON.parse(status.stdout).message).toBe(summary.message);
    },
    TIMEOUT
  );

  it(
    'an output the analysis sees is unpicklable stops the run before it starts, naming the variable',
    async () => {
      const path = notebook([
        [['step:make'], 'values = (i * i for i in range(3))'],
        [['step:use'], 'print(values)']
      ]);
      const result = await cli(['run', path, '--json', '--python', testPython], { home, cwd: work });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/cell 1, line 1:\d+: error unpicklable-value: 'values' holds a generator/);
    },
    TIMEOUT
  );

  it.each<[string, CellSpec[], RegExp]>([
    [
      'a lone surrogate in a step name',
      [[['step:load\ud800'], 'x = 1']],
      /cell 1, line 1:1: error unencodable-text: Tag "step:load\\ud800" of cell 1 holds a lone UTF-16 surrogate/
    ],
    [
      'an IndentationError',
      [[['step:a'], 'if True:\n    x = 1\n  y = 2']],
      /cell 1, line 3:3: error indentation-error: Python would refuse this cell \(IndentationError/
    ],
    ['a raw NUL in a literal', [[['step:a'], 'x = "a\u0000b"']], /cell 1, line 1:7: error unrunnable-character: This cell holds a NUL character/],
    [
      '1e400 as a parameter',
      [
        [['pipeline-parameters'], 'rate = 1e400'],
        [['step:a'], 'print(rate)']
      ],
      /cell 1, line 1:1: error non-literal-parameter: .*1e400 is beyond the range of a float/
    ]
  ])(
    '%s stops the run before it starts, with the cell, line and what to do',
    async (_label, cells, message) => {
      const result = await cli(['run', notebook(cells), '--json', '--python', testPython], { home, cwd: work });
      expect(result.stderr).toMatch(message);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(existsSync(join(home, 'runs'))).toBe(false);
    },
    TIMEOUT
  );

  it(
    'a step raising shows the notebook cell and line in its log and in the failure message',
    async () => {
      const path = notebook([
        [['step:ok'], 'x = 1'],
        [['step:bad'], 'print("before")\ny = x / 0']
      ]);
      const { code, summary } = await runNotebook(path, { home, cwd: work });
      expect(code).toBe(1);
      expect(summary.message).toBe("step 'bad' failed: ZeroDivisionError: division by zero (<cell 2: step bad>, line 2)");
      const log = (await cli(['logs', summary.runId, 'bad'], { home })).stdout;
      expect(log).toMatch(/^before\nTraceback \(most recent call last\):\n {2}File "<cell 2: step bad>", line 2, in <module>\n {4}y = x \/ 0\n/);
      expect(log).toMatch(/ZeroDivisionError: division by zero\n$/);
      expect(log).not.toContain('cellpipe'); // the runtime's frames and messages stay out of the user's log
      const status = JSON.parse((await cli(['status', summary.runId, '--json'], { home })).stdout);
      expect(status.message).toBe(summary.message);
      const bad = step(store().load(summary.runId), 'bad');
      expect(bad.failure).toEqual({ cell: 1, line: 2, error: 'ZeroDivisionError: division by zero' });
      // The result document the runtime leaves on the volume (what Argo hands back as the step's
      // output parameter) says the same as its failed event.
      const document = readFileSync(join(store().dataDir(summary.runId), bad.id, STEP_RESULT_FILE), 'utf8');
      expect(readStepResult(document)?.failure).toEqual({ message: bad.message, failure: bad.failure });
    },
    TIMEOUT
  );

  it(
    'a runner killed mid-run leaves a run store that status reads and retry resumes',
    async () => {
      const path = notebook([
        [['step:first'], 'n = 20\nprint("first")'],
        [['step:second'], `${blockUntil('go-on')}\nn += 1\nprint("second", n)`],
        [['step:third'], 'print("third", n)']
      ]);
      const runner = startCli(['run', path, '--json', '--python', testPython], { home, cwd: work });
      const exited = finished(runner);
      const running = await waitFor(state => step(state, 'second').status === 'Running');
      runner.kill('SIGKILL');
      expect((await exited).signal).toBe('SIGKILL');

      const status = await cli(['status', running.runId, '--json'], { home });
      expect(status.code).toBe(0);
      const seen: RunSummary = JSON.parse(status.stdout);
      expect(seen.status).toBe('Failed');
      expect(seen.message).toMatch(/stopped before it finished; `cellpipe retry .*` resumes it/);
      expect(seen.steps.map(s => s.status)).toEqual(['Succeeded', 'Running', 'Pending']);

      writeFileSync(join(work, 'go-on'), '');
      const retried = await cli(['retry', running.runId, '--json'], { home, cwd: work });
      expect(retried.code).toBe(0);
      const summary: RunSummary = JSON.parse(retried.stdout);
      expect(summary.status).toBe('Succeeded');
      expect((await cli(['logs', running.runId, 'third'], { home })).stdout).toBe('third 21\n');
    },
    TIMEOUT
  );

  it(
    'a runner killed mid-run takes its steps with it, and what they started: nothing writes into the run after it',
    async () => {
      const path = notebook([
        [['step:one'], 'import subprocess, time\nchild = subprocess.Popen(["sleep", "300"])\nprint("child", child.pid, flush=True)\ntime.sleep(300)'],
        [['step:two'], 'import time\ntime.sleep(300)']
      ]);
      const runner = startCli(['run', path, '--json', '--python', testPython, '--workers', '2'], { home, cwd: work });
      const exited = finished(runner);
      const running = await waitFor(state => state.steps.every(s => s.status === 'Running'));
      let started: RegExpExecArray | null;
      while (!(started = /child (\d+)\n/.exec(store().readLog(running.runId, step(running, 'one').id) ?? ''))) {
        await new Promise(resolve => setTimeout(resolve, 20));
      }
      const pids = [...running.steps.map(s => s.pid!), Number(started[1])];
      runner.kill('SIGKILL');
      expect((await exited).signal).toBe('SIGKILL');
      // The launcher saw its runner's pipe end; the jest timeout fails the test if a process stays.
      while (pids.some(processAlive)) {
        await new Promise(resolve => setTimeout(resolve, 20));
      }
      const status: RunSummary = JSON.parse((await cli(['status', running.runId, '--json'], { home })).stdout);
      expect(status.status).toBe('Failed');
    },
    TIMEOUT
  );

  it(
    'a step removing the run store (shutil.rmtree of CELLPIPE_HOME) fails its run in words, without a stack trace',
    async () => {
      const path = notebook([
        [['step:wipe'], 'import os, shutil\nshutil.rmtree(os.environ["CELLPIPE_HOME"])'],
        [['step:after', 'prev:wipe'], 'print("after")']
      ]);
      const { code, summary, stderr } = await runNotebook(path, { home, cwd: work });
      expect(code).toBe(1);
      expect(summary.status).toBe('Failed');
      expect(summary.message).toMatch(
        /^the folder of run \S+ \(.*\) was removed while the run was going, by a step's code or by hand; .*Start the run again$/
      );
      expect(summary.steps.map(s => s.status)).toEqual(['Failed', 'Cancelled']);
      expect(stderr).not.toMatch(/\n\s+at /); // no Node stack trace
    },
    TIMEOUT
  );

  it(
    "steps started the 'spawn' way that outlive their killed runner are ended once the run is read (cellpipe status)",
    async () => {
      const path = notebook([
        [['step:one'], 'import subprocess, time\nchild = subprocess.Popen(["sleep", "300"])\nprint("child", child.pid, flush=True)\ntime.sleep(300)']
      ]);
      const env = { CELLPIPE_LAUNCHER: 'spawn' };
      const runner = startCli(['run', path, '--json', '--python', testPython], { home, cwd: work, env });
      const exited = finished(runner);
      const running = await waitFor(state => step(state, 'one').status === 'Running');
      let started: RegExpExecArray | null;
      while (!(started = /child (\d+)\n/.exec(store().readLog(running.runId, step(running, 'one').id) ?? ''))) {
        await new Promise(resolve => setTimeout(resolve, 20));
      }
      runner.kill('SIGKILL');
      await exited;
      const status: RunSummary = JSON.parse((await cli(['status', running.runId, '--json'], { home, env })).stdout);
      expect(status.status).toBe('Failed');
      const pids = [step(running, 'one').pid!, Number(started[1])];
      while (pids.some(processAlive)) {
        await new Promise(resolve => setTimeout(resolve, 20)); // the jest timeout fails the test if one stays
      }
    },
    TIMEOUT
  );

  it(
    'cellpipe cancel from another process cancels a running run',
    async () => {
      const path = notebook([
        [['step:wait'], blockUntil('never')],
        [['step:after', 'prev:wait'], 'print("never")']
      ]);
      const run = finished(startCli(['run', path, '--json', '--python', testPython], { home, cwd: work }));
      const running = await waitFor(state => step(state, 'wait').status === 'Running');
      const cancel = await cli(['cancel', running.runId], { home });
      expect(cancel.code).toBe(0);
      const { code, stdout } = await run;
      expect(code).toBe(1);
      const summary: RunSummary = JSON.parse(stdout);
      expect(summary.status).toBe('Cancelled');
      expect(summary.steps.map(s => s.status)).toEqual(['Cancelled', 'Cancelled']);
    },
    TIMEOUT
  );
});

describe('cellpipe run, exit codes and output', () => {
  it(
    '--json prints exactly the documented shape, and exit 0 only when the run succeeded',
    async () => {
      const path = notebook([
        [['pipeline-parameters'], 'rate = 0.5'],
        [['step:a'], 'score = rate * 2\nprint(score)'],
        [['pipeline-metrics'], 'score']
      ]);
      const { code, summary } = await runNotebook(path, { home, cwd: work, extra: ['--param', 'rate=2'] });
      expect(code).toBe(0);
      expect(summary).toEqual({
        runId: expect.stringMatching(/^faults-\d{8}-\d{6}-[0-9a-f]{6}$/),
        status: 'Succeeded',
        steps: [{ name: 'a', status: 'Succeeded', startedAt: expect.any(String), finishedAt: expect.any(String), cached: false }],
        metrics: { score: 4 }
      });
      const again = await runNotebook(path, { home, cwd: work, extra: ['--param', 'rate=2'] });
      expect(again.code).toBe(0);
      expect(again.summary.steps[0]).toMatchObject({ status: 'Cached', cached: true });
    },
    TIMEOUT
  );

  it.each([
    ['rate=fast', "parameter rate: 'fast' is not a number (the default is 0.5)"],
    ['speed=1', "the notebook has no parameter 'speed' (its parameters: rate, name, weights)"],
    ['rate', "a parameter is set as NAME=VALUE, got 'rate'"],
    ['weights=[1, 1e400]', 'parameter weights: a number in it is beyond the range of a float (the run would get null); give finite numbers']
  ])(
    '--param %s exits 2 with a clear message',
    async (param, message) => {
      const path = notebook([
        [['pipeline-parameters'], 'rate = 0.5\nname = "x"\nweights = [1.0]'],
        [['step:a'], 'print(rate, name, weights)']
      ]);
      const result = await cli(['run', path, '--json', '--python', testPython, '--param', param], { home, cwd: work });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(message);
      expect(existsSync(join(home, 'runs'))).toBe(false);
    },
    TIMEOUT
  );
});

describe('cellpipe runs, a damaged run store', () => {
  /** run.json contents a crash, a full disk or a hand edit may leave, each in a run folder of its own. */
  const damaged: Array<[string, string]> = [
    ['cut-20260101-000000-aaaaaa', '{"runId": "cut-20260101-000000-aaaaaa", "status": "Succ'],
    ['empty-20260101-000000-bbbbbb', ''],
    ['object-20260101-000000-cccccc', '{}'],
    ['null-20260101-000000-dddddd', 'null'],
    ['other-20260101-000000-eeeeee', JSON.stringify({ runId: 'someone-else', status: 'Succeeded', createdAt: 'x', backend: 'local', steps: [] })]
  ];

  it(
    'lists the readable runs, names each unreadable run.json, and `status` of one says which file is at fault',
    async () => {
      const path = notebook([[['step:a'], 'x = 1']]);
      const { summary } = await runNotebook(path, { home, cwd: work });
      for (const [runId, content] of damaged) {
        mkdirSync(join(home, 'runs', runId));
        writeFileSync(join(home, 'runs', runId, 'run.json'), content);
      }
      const listed = await cli(['runs'], { home, cwd: work });
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`^${summary.runId}  Succeeded  1/1 steps`));
      for (const [runId] of damaged) {
        expect(listed.stderr).toContain(
          `cellpipe: skipped run ${runId}: the record of run '${runId}' is unreadable: ${join(home, 'runs', runId, 'run.json')}: `
        );
      }
      const json = await cli(['runs', '--json'], { home, cwd: work });
      expect((JSON.parse(json.stdout) as RunSummary[]).map(r => r.runId)).toEqual([summary.runId]);

      const status = await cli(['status', damaged[0][0]], { home, cwd: work });
      expect(status.code).toBe(2);
      expect(status.stderr).toMatch(/run\.json: it is not valid JSON .*delete the folder .*cut-20260101-000000-aaaaaa to drop the run/);
    },
    TIMEOUT
  );
});

describe('cellpipe run, a damaged value in the cache', () => {
  it(
    'a value damaged in place after its run (same size) is not reused: the step runs again',
    async () => {
      const path = notebook([
        [['step:make'], 'xs = bytes(1000)'],
        [['step:use'], 'print(sum(xs))']
      ]);
      const first = await runNotebook(path, { home, cwd: work });
      expect(first.summary.status).toBe('Succeeded');
      const value = join(store().dataDir(first.summary.runId), 'make', 'xs.pkl');
      const damaged = readFileSync(value);
      damaged[damaged.length - 10] ^= 1;
      writeFileSync(value, damaged);
      const again = await runNotebook(path, { home, cwd: work });
      // `use` has no outputs to damage: what it printed from the intact value stays valid.
      expect(again.summary.steps.map(s => [s.name, s.status])).toEqual([
        ['make', 'Succeeded'],
        ['use', 'Cached']
      ]);
      const rewritten = readFileSync(join(store().dataDir(again.summary.runId), 'make', 'xs.pkl'));
      expect(rewritten.equals(damaged)).toBe(false);
    },
    TIMEOUT
  );
});

describe('cellpipe retry --from, the repair of a damaged value', () => {
  it(
    'a value damaged after it was made fails the step that loads it; retry --from the maker repairs the run, reusing what is above',
    async () => {
      const path = notebook([
        [['step:seed'], 'import os\nos.makedirs("counts", exist_ok=True)\nopen("counts/seed", "a").write("x")\nn = 1000'],
        [['step:make'], 'open("counts/make", "a").write("x")\nxs = bytes(n)'],
        [['step:use'], 'print(sum(xs) + len(xs))']
      ]);
      const first = await runNotebook(path, { home, cwd: work, extra: ['--no-cache'] });
      expect(first.summary.status).toBe('Succeeded');
      const runId = first.summary.runId;
      const value = join(store().dataDir(runId), 'make', 'xs.pkl');
      const damaged = readFileSync(value);
      damaged[damaged.length - 10] ^= 1;
      writeFileSync(value, damaged);

      // `use` again (retry --from use) loads the damaged value: refused, naming the step to re-run.
      const useAgain = await cli(['retry', runId, '--from', 'use', '--json'], { home, cwd: work });
      expect(useAgain.code).toBe(1);
      expect(step(store().load(runId), 'use').message).toMatch(/Re-run step 'make'/);

      const repaired = await cli(['retry', runId, '--from', 'make', '--json'], { home, cwd: work });
      expect(repaired.code).toBe(0);
      expect((JSON.parse(repaired.stdout) as RunSummary).steps.map(s => [s.name, s.status])).toEqual([
        ['seed', 'Succeeded'],
        ['make', 'Succeeded'],
        ['use', 'Succeeded']
      ]);
      expect(readFileSync(join(work, 'counts', 'seed'), 'utf8')).toBe('x'); // above `make`: reused, not run again
      expect(readFileSync(join(work, 'counts', 'make'), 'utf8')).toBe('xx');
      // The log keeps every attempt's output (issue 15 is about showing the last one alone).
      expect((await cli(['logs', runId, 'use'], { home, cwd: work })).stdout).toMatch(/1000\n$/);
    },
    TIMEOUT
  );

  it(
    'retry --from a step the run does not have is refused, naming its steps',
    async () => {
      const path = notebook([[['step:only'], 'x = 1']]);
      const run = await runNotebook(path, { home, cwd: work });
      const refused = await cli(['retry', run.summary.runId, '--from', 'nope'], { home, cwd: work });
      expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining('has no step "nope"; its steps are "only"')]);
    },
    TIMEOUT
  );
});
