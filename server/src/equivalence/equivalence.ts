/**
 * Execution equivalence, the main test of local runs (DESIGN, "Notebook semantics"): a pipeline
 * run must print, step by step, what the same cells print when the notebook runs top to bottom in
 * one Jupyter kernel ("Run All"). The reference is a real kernel (`jupyter nbconvert --execute`,
 * kernelRunAll.ts); the pipeline run is the real CLI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPipeline } from '../app/loadPipeline';
import { notebookInFolder } from '../app/notebookFile';
import { cli, runNotebook, type RunSummary } from '../testing/cliProcess';
import { runAllInKernel, type NotebookJson } from './kernelRunAll';
import { withoutCellNames } from './outputComparison';

/** What one cell, or one step, printed: both streams as the kernel sent them, and each stream alone. */
export interface Printed {
  text: string;
  stdout: string;
  stderr: string;
}

export interface ReferenceRun {
  /** What each code cell printed, by cell index. */
  outputs: Map<number, Printed>;
  /** Set when a cell raised: Run All stops there. */
  error: { cell: number; message: string } | null;
  /** The kernel's executed notebook: every cell's outputs (compareCellOutputs). */
  notebook: NotebookJson;
}

/**
 * Run All in a real Jupyter kernel (kernelRunAll.ts), read as what each cell printed: its streams,
 * stdout and stderr in the order the kernel sent them (a cell's displayed values are not printed
 * text; compareCellOutputs compares those). An `error` output ends Run All there.
 */
export async function runAllReference(notebookPath: string, params: readonly string[]): Promise<ReferenceRun> {
  const executed = await runAllInKernel(notebookPath, params);
  const outputs = new Map<number, Printed>();
  let error: ReferenceRun['error'] = null;
  executed.cells.forEach((cell, index) => {
    const cellOutputs = (cell.outputs as Array<Record<string, unknown>> | undefined) ?? [];
    if (cell.cell_type !== 'code' || error) {
      return;
    }
    const streams = cellOutputs.filter(output => output.output_type === 'stream');
    const printed = (name?: string): string =>
      withoutCellNames(
        streams
          .filter(output => name === undefined || output.name === name)
          .map(output => streamText(output.text))
          .join('')
      );
    outputs.set(index, { text: printed(), stdout: printed('stdout'), stderr: printed('stderr') });
    const raised = cellOutputs.find(output => output.output_type === 'error');
    if (raised) {
      error = { cell: index, message: `${String(raised.ename)}: ${String(raised.evalue)}` };
    }
  });
  return { outputs, error, notebook: executed };
}

function streamText(text: unknown): string {
  return Array.isArray(text) ? text.join('') : String(text ?? '');
}

/** What each step should print: its cells' Run All output, concatenated in notebook order. */
export function expectedStepLogs(notebookPath: string, reference: ReferenceRun): Map<string, Printed> {
  const { pipeline } = loadPipeline(notebookInFolder(process.cwd(), notebookPath));
  const joined = (cells: number[], part: keyof Printed): string => cells.map(c => reference.outputs.get(c)?.[part] ?? '').join('');
  return new Map(
    pipeline.steps.map(step => [
      step.name,
      { text: joined(step.cells, 'text'), stdout: joined(step.cells, 'stdout'), stderr: joined(step.cells, 'stderr') }
    ])
  );
}

function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Whether `log` is the lines of `stdout` and of `stderr` interleaved, each in its own order. */
export function interleaves(log: string, stdout: string, stderr: string): boolean {
  const [all, out, err] = [lines(log), lines(stdout), lines(stderr)];
  if (all.length !== out.length + err.length) {
    return false;
  }
  // reachable[j]: the first i + j lines of the log can be out[0, i) and err[0, j) interleaved.
  let reachable = Array.from({ length: err.length + 1 }, (_, j) => err.slice(0, j).every((line, k) => line === all[k]));
  for (let i = 1; i <= out.length; i++) {
    const next = new Array<boolean>(err.length + 1).fill(false);
    for (let j = 0; j <= err.length; j++) {
      const line = all[i + j - 1];
      next[j] = (reachable[j] && out[i - 1] === line) || (j > 0 && next[j - 1] && err[j - 1] === line);
    }
    reachable = next;
  }
  return reachable[err.length];
}

/**
 * Each step's expected log, to compare with the pipeline's `logs`: a log that is the step's
 * expected stdout and stderr interleaved line by line is taken as it is (a kernel sends the two
 * streams apart, flushing each on its own clock, so their order across each other is not the
 * kernel's to say), any other log is compared with the kernel's text, for the difference to show.
 */
export function comparableLogs(expected: ReadonlyMap<string, Printed>, logs: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries(
    [...expected].map(([step, printed]) => {
      const log = logs.get(step);
      return [step, log !== undefined && interleaves(log, printed.stdout, printed.stderr) ? log : printed.text];
    })
  );
}

export interface PipelineRun {
  summary: RunSummary;
  code: number | null;
  stderr: string;
  /** `cellpipe logs RUN STEP` of every step, by step name. */
  logs: Map<string, string>;
  /** `cellpipe outputs RUN -o -`: the executed notebook of the run. */
  notebook: NotebookJson;
}

/** `cellpipe run NOTEBOOK --json --python ... --param ...`, then `cellpipe logs` of each step. */
export async function runAsPipeline(notebookPath: string, params: readonly string[], cwd: string): Promise<PipelineRun> {
  const home = mkdtempSync(join(tmpdir(), 'cellpipe-home-'));
  try {
    const extra = params.flatMap(p => ['--param', p]);
    const run = await runNotebook(notebookPath, { home, cwd, extra });
    const logs = new Map<string, string>();
    for (const step of run.summary.steps) {
      const log = await cli(['logs', run.summary.runId, step.name], { home, cwd });
      if (log.code !== 0) {
        throw new Error(`cellpipe logs ${step.name} failed: ${log.stderr}`);
      }
      logs.set(step.name, withoutCellNames(log.stdout));
    }
    const outputs = await cli(['outputs', run.summary.runId, '-o', '-'], { home, cwd });
    if (outputs.code !== 0) {
      throw new Error(`cellpipe outputs failed: ${outputs.stderr}`);
    }
    return { summary: run.summary, code: run.code, stderr: run.stderr, logs, notebook: JSON.parse(outputs.stdout) as NotebookJson };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The notebook's `pipeline-metrics` cells: a pipeline does not run them (its names are the run's metrics), so they show nothing. */
export function metricsCells(notebookPath: string): Set<number> {
  const { analysis } = loadPipeline(notebookInFolder(process.cwd(), notebookPath));
  return new Set(analysis.plan!.cells.filter(cell => cell.role === 'metrics').map(cell => cell.index));
}

/** Both runs of one notebook, for a spec to compare. */
export async function compareRuns(
  notebookPath: string,
  params: readonly string[],
  cwd: string
): Promise<{ reference: ReferenceRun; expected: Map<string, Printed>; pipeline: PipelineRun }> {
  const [reference, pipeline] = await Promise.all([runAllReference(notebookPath, params), runAsPipeline(notebookPath, params, cwd)]);
  return { reference, expected: expectedStepLogs(notebookPath, reference), pipeline };
}
