/**
 * A local pipeline run against Run All of the same cells in one Python process, on the realistic
 * corpus (realisticNotebooks.ts), every cell a step and grouped.
 *
 * - Run All: a fresh `python` executes the notebook's code cells top to bottom in one namespace
 *   (start-up, imports and all), as a kernel's Run All does minus the kernel; the whole process's
 *   wall time.
 * - The pipeline: the local backend in this process (as the service runs it) from the run's start
 *   to its end, with the launcher the run starts itself (no prepared launcher), one worker per core,
 *   no cache; analysis and compilation (a few ms) are outside.
 * Medians of RUNS alternated runs. Target: the pipeline / Run All ratio <= 1.0 overall (the sums),
 * below 1.0 for notebooks with parallel branches.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { python, runNotebook } from './localRun';
import { notebookOf, REALISTIC_NOTEBOOKS, type Grouping } from './realisticNotebooks';

const RUNS = 5;

/** Runs the code cells of a notebook in one fresh Python process; its wall seconds. */
const RUN_ALL = [
  'import json, sys',
  'namespace = {"__name__": "__main__"}',
  'for cell in json.load(sys.stdin)["cells"]:',
  '    exec(compile(cell["source"], "<cell>", "exec"), namespace)'
].join('\n');

function runAllSeconds(notebook: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(python, ['-c', RUN_ALL], { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', code => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`Run All exited ${code}`))));
    child.stdin.end(notebook);
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

export async function runRunAllBenchmark(): Promise<string[]> {
  const workers = cpus().length;
  const lines = [`local run vs Run All in one Python process (python: ${python}; ${workers} workers; medians of ${RUNS} alternated runs)`];
  const totals = { pipeline: 0, runAll: 0 };
  for (const grouping of ['every cell a step', 'grouped'] as Grouping[]) {
    for (const notebook of REALISTIC_NOTEBOOKS) {
      const text = notebookOf(notebook, grouping);
      const pipeline: number[] = [];
      const runAll: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        runAll.push(await runAllSeconds(text));
        pipeline.push(await runNotebook(text, workers, 'fork'));
      }
      const [p, r] = [median(pipeline), median(runAll)];
      totals.pipeline += p;
      totals.runAll += r;
      lines.push(
        `  ${notebook.name} (${grouping}): pipeline ${(p * 1000).toFixed(0)} ms, Run All ${(r * 1000).toFixed(0)} ms: ratio ${(p / r).toFixed(2)}`
      );
    }
  }
  lines.push(
    `  overall (sums): pipeline ${(totals.pipeline * 1000).toFixed(0)} ms, Run All ${(totals.runAll * 1000).toFixed(0)} ms: ratio ${(totals.pipeline / totals.runAll).toFixed(2)} (target <= 1.0)`
  );
  return lines;
}
