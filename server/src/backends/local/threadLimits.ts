/**
 * How many threads each local step's numerical libraries may start. OpenBLAS, MKL and OpenMP size
 * their thread pools to every core by default; several steps (or fan-out items) at once then start
 * cores x workers busy threads, which spin against each other: measured on 2 cores, two
 * scikit-learn fits at once took 7.6 s with OpenBLAS's default pools and 1.6 s with one thread
 * each. So a local run gives each step cores / workers threads (at least one), as joblib's loky
 * does for its workers, unless the user's environment already says how many.
 */
import { availableParallelism } from 'node:os';

/** The variables the common thread pools read when they start (numpy, scipy, scikit-learn, torch, numexpr). */
const THREAD_VARIABLES = ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS', 'NUMEXPR_NUM_THREADS'];

/** Threads per step when `workers` steps run at once. */
export function threadsPerStep(workers: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}

/** The thread-pool variables a step gets: `threads` for each one `env` does not set. */
export function threadLimitVariables(threads: number, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(THREAD_VARIABLES.filter(name => env[name] === undefined).map(name => [name, String(threads)]));
}
