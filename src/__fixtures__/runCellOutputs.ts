/** What the service answers for a run's cell outputs (`GET /api/runs/:id/cell-outputs`), for specs. */
import type { NotebookOutput, RunCellOutputs, RunCellOutputsReply } from '../core/run/cellOutputs';

export function stdout(text: string): NotebookOutput {
  return { output_type: 'stream', name: 'stdout', text };
}

/** A cell's record: cell `index` of the notebook (id `c<index>`, as notebookJson names cells), run by step `stepId`. */
export function cellRecord(index: number, stepId: string, more: Partial<RunCellOutputs> = {}): RunCellOutputs {
  return {
    cell: index,
    cellId: `c${index}`,
    stepId,
    stepName: stepId,
    source: '',
    executionCount: index + 1,
    status: 'ok',
    startedAt: '2026-12-04T08:00:01.000Z',
    finishedAt: '2026-12-04T08:00:02.000Z',
    outputs: [],
    ...more
  };
}

export function cellOutputsReply(runId: string, cells: RunCellOutputs[]): RunCellOutputsReply {
  return { runId, cells };
}
