import type { Pipeline } from '../../pipeline';
import { CLUSTER_CELL_OUTPUTS_LIMIT } from '../runtime/contract';

/**
 * CELLPIPE_OUTPUTS_LIMIT of an Argo pipeline's steps. Each step's outputs document comes back in
 * the Workflow's status (CELL_OUTPUTS_PARAMETER), which Argo keeps in the Workflow object, and
 * that object, status included, must stay under etcd's limit: past 1 MiB Argo compresses the
 * nodes' status, and fails the Workflow if that is not enough and no database takes the nodes. So
 * the documents share ARGO_CELL_OUTPUTS_BUDGET: each step gets CLUSTER_CELL_OUTPUTS_LIMIT, less
 * when there are so many copies (each attempt's pod node holds its own, a retried step's node the
 * last one's too) that they would pass the budget together; never less than MIN_LIMIT.
 */
export const ARGO_CELL_OUTPUTS_BUDGET = 512 * 1024;
/** Room for a few short outputs, or the notes saying what was left out. */
const MIN_LIMIT = 2 * 1024;

/** The copies of outputs documents a run of the pipeline may leave in the Workflow's status, at most. */
function documentCopies(pipeline: Pipeline): number {
  return pipeline.steps.reduce((copies, step) => copies + (step.config.retry ? step.config.retry + 2 : 1), 0);
}

export function argoCellOutputsLimit(pipeline: Pipeline): number {
  const share = Math.floor(ARGO_CELL_OUTPUTS_BUDGET / Math.max(1, documentCopies(pipeline)));
  return Math.max(MIN_LIMIT, Math.min(CLUSTER_CELL_OUTPUTS_LIMIT, share));
}
