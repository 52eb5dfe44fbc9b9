/**
 * Local run benchmark: the local backend in this process (Node's own start-up is outside every
 * figure) running compiled step scripts, each with the real embedded runtime.
 *
 * (a) per-step overhead: a CHAIN of 20 trivial steps (each loads the previous step's number, adds
 *     one, saves it) against 20 bare `python -c pass` processes started one after the other the
 *     same way (spawn, wait, next): (pipeline wall - bare wall) / 20 is what a step costs beyond the
 *     interpreter's start. Target < 150 ms. Measured with fsync off (the local backend's default)
 *     and on (CELLPIPE_FSYNC=1, the runtime's default in pods).
 * (b) parallel efficiency: 4 branches x 2 steps that each sleep 0.5 s, 4 workers: wall time over
 *     the critical path (1.0 s). Sleeping needs no core, so 2 cores are enough. Target <= 1.05 with the
 *     launcher started by the run (issue 18).
 * Both with each way of starting steps (forkServer.ts): 'fork', the default on Linux, with the
 * launcher started by the run (a CLI run without --python) or before it ('fork, prepared': the
 * service and `run --python`), and 'spawn', a new interpreter per step.
 * (c) a realistic notebook: the corpus' housing_regression (a DataFrame passed along 4 steps, a
 *     scikit-learn model fitted and scored): with 'fork' the libraries are imported once, by the
 *     launcher, instead of by every step.
 * Then the same pipelines on kfp.local (server/bench/kfp_local.py), when kfp is installed: a
 *     chain of KFP_CHAIN steps (kfp.local is slow enough that 20 would add a minute) and the branches.
 * (d) with CELLPIPE_BENCH_DATA=1 only (about a minute and 4 GB of disk): the runtime's data-passing
 *     benchmark, src/core/compile/runtime/bench_data_passing.py.
 *
 * Python: $CELLPIPE_BENCH_PYTHON, else the checkout's .venv, else python3.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeNotebook } from '../../src/core/analysis';
import { parseNotebook } from '../../src/core/notebook';
import { buildPipeline, type Pipeline } from '../../src/core/pipeline';
import { prepareForkServer, type LauncherKind } from '../src/backends/local/forkServer';
import { LocalBackend } from '../src/backends/local/localBackend';
import { RunStore } from '../src/backends/runStore';
import { toRunRequest } from '../src/backends/local/runRequest';
import type { RunEvent } from '../../src/core/run/types';

const root = resolve(__dirname, '..', '..');
const venvPython = join(root, '.venv', 'bin', 'python');
export const python = process.env.CELLPIPE_BENCH_PYTHON ?? (existsSync(venvPython) ? venvPython : 'python3');
export const REPEAT = 3;
/** How long a prepared launcher had before the run (enough to import pandas and scikit-learn). */
const PREPARED_IDLE_MS = 3000;

export type Cell = [tags: string[], source: string];

function notebookText(cells: Cell[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map(([tags, source]) => ({ cell_type: 'code', metadata: { tags }, source, outputs: [], execution_count: null }))
  });
}

/** A notebook (its cells, or its JSON text) through analysis into a pipeline. */
export function benchPipeline(notebook: Cell[] | string): Pipeline {
  const parsed = parseNotebook(typeof notebook === 'string' ? notebook : notebookText(notebook));
  return buildPipeline(parsed.notebook!, analyzeNotebook(parsed.notebook!), { notebookPath: 'bench.ipynb' });
}

/** 'fork, prepared': the launcher was started before the run, as the service and `run --python` do. */
export type Launch = LauncherKind | 'fork, prepared';

/** Runs a notebook through analysis, compile and the local backend; returns the wall seconds of the run. */
export async function runNotebook(
  notebook: Cell[] | string,
  workers: number,
  launch: Launch,
  env: Record<string, string> = {},
  onEvent?: (event: RunEvent) => void,
  /** Called with the run's store before it is deleted. */
  inspect?: (store: RunStore, runId: string) => void
): Promise<number> {
  const pipeline = benchPipeline(notebook);
  const home = mkdtempSync(join(tmpdir(), 'cellpipe-bench-'));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const launcher = launch === 'spawn' ? 'spawn' : 'fork';
    const request = toRunRequest(pipeline, {});
    if (launch === 'fork, prepared') {
      // As the service does after a run: a launcher for the next one, with that run's libraries.
      prepareForkServer(python, request.steps);
      await new Promise(resolve => setTimeout(resolve, PREPARED_IDLE_MS)); // the user reads the results meanwhile
    }
    const store = new RunStore(home);
    const backend = new LocalBackend({ store, python, workers, cache: false, launcher, onEvent });
    const started = performance.now();
    const state = await (await backend.startRequest(request, home)).done;
    const seconds = (performance.now() - started) / 1000;
    inspect?.(store, state.runId);
    if (state.status !== 'Succeeded') {
      throw new Error(`benchmark run ${state.status}: ${state.message ?? JSON.stringify(state.steps.map(s => [s.name, s.status, s.message]))}`);
    }
    return seconds;
  } finally {
    process.env = saved;
    rmSync(home, { recursive: true, force: true });
  }
}

/** `python -c pass`, n times one after the other, started the way the backend starts steps. */
async function bareProcesses(n: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(python, ['-u', '-c', 'pass'], { stdio: 'ignore', detached: true });
      child.on('error', reject);
      child.on('close', () => resolve());
    });
  }
  return (performance.now() - started) / 1000;
}

export async function best(fn: () => Promise<number>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < REPEAT; i++) {
    min = Math.min(min, await fn());
  }
  return min;
}

const CHAIN = 20;
const chain: Cell[] = Array.from({ length: CHAIN }, (_, i) => [[`step:s${i}`], i === 0 ? 'v = 0' : 'v = v + 1']);

const BRANCHES = 4;
const SLEEP = 0.5;
const sleepy: Cell[] = [
  [['imports'], 'import time'],
  ...Array.from({ length: BRANCHES }, (_, b): Cell[] => [
    [[`step:b${b}_first`], `time.sleep(${SLEEP})\nv${b} = ${b}`],
    [[`step:b${b}_second`], `time.sleep(${SLEEP})\nw${b} = v${b} + 1`]
  ]).flat()
];

const KFP_CHAIN = 5;

/** The alternative: the same pipelines on kfp.local, in the same Python (one run each: slow). */
function kfpLocal(bareSeconds: number, critical: number): string[] {
  if (spawnSync(python, ['-c', 'import kfp.local'], { stdio: 'ignore' }).status !== 0) {
    return ['  kfp.local: not installed in this Python, not compared'];
  }
  const run = spawnSync(python, [join(root, 'server', 'bench', 'kfp_local.py'), `${KFP_CHAIN}`, `${BRANCHES}`, `${SLEEP}`], {
    encoding: 'utf8'
  });
  const json = run.stdout.split('\n').find(line => line.startsWith('{'));
  if (run.status !== 0 || !json) {
    return [`  kfp.local: failed (${run.stderr.trim().split('\n').pop()})`];
  }
  const kfp = JSON.parse(json) as { kfp: string; chainSteps: number; chainSeconds: number; branchesSeconds: number };
  const perStep = ((kfp.chainSeconds - kfp.chainSteps * bareSeconds) / kfp.chainSteps) * 1000;
  return [
    `  kfp.local ${kfp.kfp} (SubprocessRunner, same Python), for comparison:`,
    `    chain of ${kfp.chainSteps} trivial steps: ${(kfp.chainSeconds * 1000).toFixed(0)} ms; per-step overhead beyond the interpreter's start: ${perStep.toFixed(1)} ms`,
    `    ${BRANCHES} branches x 2 steps sleeping ${SLEEP} s: ${(kfp.branchesSeconds * 1000).toFixed(0)} ms; wall / critical path = ${(kfp.branchesSeconds / critical).toFixed(3)}`
  ];
}

export async function runLocalRunBenchmark(): Promise<string[]> {
  const lines = [`local runs (python: ${python}; best of ${REPEAT})`];
  const bare = await best(() => bareProcesses(CHAIN));
  lines.push(`  ${CHAIN} bare \`python -c pass\` one after another: ${(bare * 1000).toFixed(0)} ms (${((bare / CHAIN) * 1000).toFixed(1)} ms each)`);
  const launchers: Launch[] = ['fork', 'fork, prepared', 'spawn'];
  for (const launcher of launchers) {
    for (const fsync of ['0', '1']) {
      const wall = await best(() => runNotebook(chain, 1, launcher, { CELLPIPE_FSYNC: fsync }));
      const overhead = ((wall - bare) / CHAIN) * 1000;
      lines.push(
        `  [${launcher}] chain of ${CHAIN} trivial steps, CELLPIPE_FSYNC=${fsync}: ${(wall * 1000).toFixed(0)} ms; ` +
          `per-step overhead beyond the interpreter's start: ${overhead.toFixed(1)} ms (target < 150)`
      );
    }
  }
  const critical = 2 * SLEEP;
  for (const launcher of launchers) {
    const wall = await best(() => runNotebook(sleepy, BRANCHES, launcher));
    lines.push(
      `  [${launcher}] ${BRANCHES} branches x 2 steps sleeping ${SLEEP} s, ${BRANCHES} workers: ${(wall * 1000).toFixed(0)} ms; ` +
        `wall / critical path (${critical} s) = ${(wall / critical).toFixed(3)} (target <= 1.05 without a prepared launcher)`
    );
  }
  const housing = readFileSync(join(root, 'src', 'core', '__fixtures__', 'notebooks', 'housing_regression.ipynb'), 'utf8');
  for (const launcher of launchers) {
    const wall = await best(() => runNotebook(housing, 2, launcher));
    lines.push(`  [${launcher}] housing_regression corpus notebook (4 steps: numpy, pandas, scikit-learn): ${(wall * 1000).toFixed(0)} ms`);
  }
  lines.push(...kfpLocal(bare / CHAIN, critical));
  if (process.env.CELLPIPE_BENCH_DATA === '1') {
    lines.push('  data passing (src/core/compile/runtime/bench_data_passing.py):');
    const data = spawnSync(python, [join(root, 'src', 'core', 'compile', 'runtime', 'bench_data_passing.py')], { encoding: 'utf8' });
    lines.push(
      ...`${data.stdout}${data.stderr}`
        .trimEnd()
        .split('\n')
        .map(l => `    ${l}`)
    );
  } else {
    lines.push('  data passing: skipped (CELLPIPE_BENCH_DATA=1 runs it: ~1 min, ~4 GB of disk)');
  }
  return lines;
}
