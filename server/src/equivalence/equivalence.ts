/**
 * Execution equivalence, the main test of local runs (DESIGN, "Notebook semantics"): a pipeline
 * run must print, step by step, what the same cells print when the notebook runs top to bottom in
 * one Python process ("Run All"). The reference is run_all.py; the pipeline run is the real CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonValue } from '../../../src/core/run/types';
import { parseParameterAssignments, resolveParameterValues } from '../../../src/core/run/parameterValues';
import { loadPipeline } from '../app/loadPipeline';
import { notebookInFolder } from '../app/notebookFile';
import { cli, runNotebook, testPython, type RunSummary } from '../testing/cliProcess';

export interface ReferenceRun {
  /** What each code cell printed (stdout and stderr), by cell index. */
  outputs: Map<number, string>;
  /** Set when a cell raised: Run All stops there. */
  error: { cell: number; message: string } | null;
}

/** Runs a notebook's code cells in one process, as Run All does (see run_all.py). */
export async function runAllReference(notebookPath: string, params: readonly string[], cwd: string): Promise<ReferenceRun> {
  const { notebook, analysis, pipeline } = loadPipeline(notebookInFolder(process.cwd(), notebookPath));
  const overrides: Record<string, JsonValue> = resolveParameterValues(pipeline.parameters, parseParameterAssignments(pipeline.parameters, params));
  const roles = analysis.plan!.cells;
  const cells = notebook.cells
    .map((cell, index) => ({ cell, index, role: roles[index]?.role }))
    .filter(({ cell, role }) => cell.cellType === 'code' && role !== 'skip')
    .map(({ cell, index, role }) => ({ index, source: cell.source, parameters: role === 'parameters' }));
  const dir = mkdtempSync(join(tmpdir(), 'cellpipe-runall-'));
  try {
    const floats = pipeline.parameters.filter(p => p.type === 'float').map(p => p.name);
    writeFileSync(join(dir, 'request.json'), JSON.stringify({ cells, overrides, floats }));
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(testPython, ['-u', join(__dirname, 'run_all.py'), join(dir, 'request.json'), join(dir, 'result.json')], {
        cwd,
        stdio: 'inherit'
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      throw new Error(`the Run All reference exited with ${code}`);
    }
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    return { outputs: new Map(Object.entries(result.outputs as Record<string, string>).map(([k, v]) => [Number(k), v])), error: result.error };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What each step should print: its cells' Run All output, concatenated in notebook order. */
export function expectedStepLogs(notebookPath: string, reference: ReferenceRun): Map<string, string> {
  const { pipeline } = loadPipeline(notebookInFolder(process.cwd(), notebookPath));
  return new Map(pipeline.steps.map(step => [step.name, step.cells.map(c => reference.outputs.get(c) ?? '').join('')]));
}

export interface PipelineRun {
  summary: RunSummary;
  code: number | null;
  stderr: string;
  /** `cellpipe logs RUN STEP` of every step, by step name. */
  logs: Map<string, string>;
}

/**
 * A step's log with cell names as the reference has them: tracebacks and warnings name a cell
 * `<cell 7: step clean>` in a step and `<cell 7>` under Run All (a kernel would say
 * `/tmp/ipykernel_…/….py`); the cell and line must agree, the label may not.
 */
export function withPlainCellNames(log: string): string {
  return log.replace(/<cell (\d+): [^>\n]*>/g, '<cell $1>');
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
      logs.set(step.name, withPlainCellNames(log.stdout));
    }
    return { summary: run.summary, code: run.code, stderr: run.stderr, logs };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Both runs of one notebook, for a spec to compare. */
export async function compareRuns(
  notebookPath: string,
  params: readonly string[],
  cwd: string
): Promise<{ reference: ReferenceRun; expected: Map<string, string>; pipeline: PipelineRun }> {
  const [reference, pipeline] = await Promise.all([runAllReference(notebookPath, params, cwd), runAsPipeline(notebookPath, params, cwd)]);
  return { reference, expected: expectedStepLogs(notebookPath, reference), pipeline };
}
