import { CELL_OUTPUTS_FILE } from '../compile/runtime/contract';

/**
 * What a pipeline run shows on the notebook's cells: each cell's outputs as Jupyter would show them
 * after Run All, in nbformat 4 output form (streams, rich displays, the last expression's value as
 * an `execute_result`, errors). The step runtime (compile/runtime/cellpipe_outputs.py) captures
 * them per cell and writes CELL_OUTPUTS_FILE in the step's data folder after each cell; the
 * backends bring that document back into the run store; the service serves it by cell, and builds
 * the executed notebook from it (executedNotebook.ts).
 */

export { CELL_OUTPUTS_FILE };

/** A MIME bundle: `text/plain`, `text/html`, `image/png` (base64)... Text may be a string or a list of lines. */
export type MimeBundle = Record<string, unknown>;

/** One nbformat 4 output. */
export type NotebookOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { output_type: 'display_data'; data: MimeBundle; metadata: Record<string, unknown> }
  | { output_type: 'execute_result'; data: MimeBundle; metadata: Record<string, unknown>; execution_count: number | null }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

/** One cell's record in CELL_OUTPUTS_FILE, written by the runtime once the cell has run. */
export interface CellOutputRecord {
  /** The cell's index in the notebook (PlanItem `cell`). */
  cell: number;
  /** 'error': the cell raised (its last output is the `error`); the step stopped there, as Run All does. */
  status: 'ok' | 'error';
  startedAt: string;
  finishedAt: string;
  outputs: NotebookOutput[];
}

/** CELL_OUTPUTS_FILE: the cells of one step that have run so far, in the order they ran. */
export interface StepCellOutputs {
  version: 1;
  /** The step's name. */
  step: string;
  cells: CellOutputRecord[];
}

/** What the service serves for one cell of a run (`GET /api/runs/:id/cell-outputs`). */
export interface RunCellOutputs extends CellOutputRecord {
  /** The cell's nbformat id in the notebook as the run read it; null for notebooks without ids (nbformat < 4.5). */
  cellId: string | null;
  stepId: string;
  stepName: string;
  /** The cell's source as the run ran it: the cell's outputs are stale once its source differs. */
  source: string;
  /** What Run All would number the cell: its place among the notebook's code cells, from 1. */
  executionCount: number;
}

/** `GET /api/runs/:id/cell-outputs[?step=STEP]`: the cells with outputs from the run so far, in notebook order. */
export interface RunCellOutputsReply {
  runId: string;
  cells: RunCellOutputs[];
  /** Why a finished run shows nothing where one may expect outputs (a Kubeflow Pipelines run), in words. */
  note?: string;
}

const OUTPUT_TYPES = new Set(['stream', 'display_data', 'execute_result', 'error']);

function isOutput(value: unknown): value is NotebookOutput {
  if (!value || typeof value !== 'object') {
    return false;
  }
  const output = value as Record<string, unknown>;
  if (!OUTPUT_TYPES.has(output.output_type as string)) {
    return false;
  }
  switch (output.output_type) {
    case 'stream':
      return (output.name === 'stdout' || output.name === 'stderr') && typeof output.text === 'string';
    case 'error':
      return typeof output.ename === 'string' && typeof output.evalue === 'string' && Array.isArray(output.traceback);
    default:
      return !!output.data && typeof output.data === 'object' && !Array.isArray(output.data);
  }
}

/**
 * A CELL_OUTPUTS_FILE's text read; undefined when it is not one. Records or outputs of another
 * shape (a newer runtime, a damaged file) are left out rather than failing the whole document.
 */
export function readStepCellOutputs(text: string): StepCellOutputs | undefined {
  let document: { version?: unknown; step?: unknown; cells?: unknown };
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!document || typeof document !== 'object' || !Array.isArray(document.cells) || typeof document.step !== 'string') {
    return undefined;
  }
  const cells: CellOutputRecord[] = [];
  for (const record of document.cells as Array<Partial<CellOutputRecord>>) {
    if (!record || typeof record !== 'object' || !Number.isInteger(record.cell) || !Array.isArray(record.outputs)) {
      continue;
    }
    cells.push({
      cell: record.cell!,
      status: record.status === 'error' ? 'error' : 'ok',
      startedAt: String(record.startedAt ?? ''),
      finishedAt: String(record.finishedAt ?? ''),
      outputs: record.outputs.filter(isOutput)
    });
  }
  return { version: 1, step: document.step, cells };
}
