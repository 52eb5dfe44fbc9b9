import type { CellOutputRecord, NotebookOutput } from './cellOutputs';
import type { JsonValue } from './types';

/**
 * The executed notebook of a run: the notebook as the run read it, with each cell's outputs from
 * the run and the execution count Run All would give it, what papermill's output notebook is to
 * its users. A valid nbformat 4 document: code cells without a record (`skip`, `pipeline-metrics`,
 * cells after a failure) have no outputs and a null execution count.
 */

/**
 * Where each code cell stands among the notebook's code cells, from 1: what Run All in a fresh
 * kernel numbers it. Empty code cells are not sent to the kernel (JupyterLab and nbclient skip
 * them), so they get no number.
 */
export function runAllExecutionCounts(cells: ReadonlyArray<{ cell_type?: unknown; source?: unknown }>): Map<number, number> {
  const counts = new Map<number, number>();
  cells.forEach((cell, index) => {
    const source = Array.isArray(cell?.source) ? cell.source.join('') : cell?.source;
    if (cell?.cell_type === 'code' && typeof source === 'string' && source.trim() !== '') {
      counts.set(index, counts.size + 1);
    }
  });
  return counts;
}

/** The outputs of one cell as a notebook stores them: an `execute_result` gets the cell's execution count. */
export function numberedOutputs(outputs: readonly NotebookOutput[], executionCount: number | null): NotebookOutput[] {
  return outputs.map(output => (output.output_type === 'execute_result' ? { ...output, execution_count: executionCount } : output));
}

export interface RunDescription {
  runId: string;
  backend: string;
  status: string;
  finishedAt?: string;
  /** The run's value of every parameter (the cells keep the notebook's defaults), as papermill keeps `metadata.papermill.parameters`. */
  parameters: Record<string, JsonValue>;
}

/**
 * The executed notebook of a run. `notebook` is the parsed nbformat 4 JSON the run read (never
 * changed); `records` holds each executed cell's outputs by cell index. The run is named in the
 * notebook's metadata (`cellpipe.run`), where papermill keeps its own.
 */
export function executedNotebook(
  notebook: Record<string, unknown>,
  records: ReadonlyMap<number, CellOutputRecord>,
  run: RunDescription
): Record<string, unknown> {
  const cells = Array.isArray(notebook.cells) ? (notebook.cells as Array<Record<string, unknown>>) : [];
  const counts = runAllExecutionCounts(cells);
  const metadata = notebook.metadata && typeof notebook.metadata === 'object' ? (notebook.metadata as Record<string, unknown>) : {};
  const cellpipe = metadata.cellpipe && typeof metadata.cellpipe === 'object' ? (metadata.cellpipe as Record<string, unknown>) : {};
  return {
    ...notebook,
    metadata: { ...metadata, cellpipe: { ...cellpipe, run: { ...run } } },
    cells: cells.map((cell, index) => {
      if (cell?.cell_type !== 'code') {
        return cell;
      }
      const record = records.get(index);
      const executionCount = record ? counts.get(index)! : null;
      return { ...cell, execution_count: executionCount, outputs: record ? numberedOutputs(record.outputs, executionCount) : [] };
    })
  };
}
