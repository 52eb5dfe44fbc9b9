import { CellpipeError } from '../errors';

/**
 * The CLI's exit codes: 0 success; 1 the notebook has errors, the run failed, or its backend cannot
 * do what was asked (logs of a KFP run); 2 usage, input, I/O, a run in the wrong state, a cluster
 * out of reach; 4 a cellpipe bug.
 */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_BUG = 4;

export function exitCodeOf(error: unknown): number {
  if (!(error instanceof CellpipeError)) {
    return EXIT_USAGE;
  }
  return error.kind === 'notebook' || error.kind === 'unsupported' ? EXIT_FAILED : error.kind === 'bug' ? EXIT_BUG : EXIT_USAGE;
}
