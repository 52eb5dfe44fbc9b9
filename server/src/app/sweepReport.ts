import type { SweepReport } from '../../../src/core/run/api';
import type { RunState } from '../../../src/core/run/types';

/**
 * A sweep's runs side by side (`GET /api/sweeps/:id`, `cellpipe sweep ID`): in grid order, with
 * the swept parameters and the metrics the runs reported, sorted by name as the pipeline's are
 * (Pipeline.metrics), so the first is the pipeline's first.
 */
export function sweepReport(sweepId: string, members: readonly RunState[]): SweepReport {
  const runs = [...members].sort((a, b) => (a.sweep?.index ?? 0) - (b.sweep?.index ?? 0));
  return {
    sweepId,
    ...(runs[0].notebookPath !== undefined ? { notebookPath: runs[0].notebookPath } : {}),
    swept: Object.keys(runs[0].sweep?.values ?? {}),
    metrics: [...new Set(runs.flatMap(run => Object.keys(run.metrics)))].sort(),
    runs
  };
}
