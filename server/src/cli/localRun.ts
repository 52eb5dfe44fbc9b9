import type { Command } from 'commander';
import type { RunHandle } from '../backends/backend';
import { CellpipeError } from '../errors';
import type { RunState } from '../../../src/core/run/types';
import { notebookInFolder, type NotebookFile } from '../app/notebookFile';
import { cliRunService } from './cliRuns';
import { runSummary } from './runOutput';

export interface LocalRunFlags {
  workers?: string;
  python?: string;
  json?: boolean;
  verbose?: boolean;
  cache?: boolean;
}

/** Adds the flags shared by `run` and `retry`. */
export function withLocalRunFlags(command: Command): Command {
  return command
    .option('--workers <n>', 'steps run at once (default: number of CPU cores)')
    .option('--python <path>', "Python that runs the steps (default: the notebook kernel's, else python3)")
    .option('--no-cache', 'run every step, even unchanged ones')
    .option('--json', 'print the result as JSON on stdout')
    .option('-v, --verbose', "also stream the steps' output to stderr");
}

/** `--workers`: a whole number of at least 1; absent means one per CPU core. */
export function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new CellpipeError('invalid', `--workers must be a whole number of at least 1, got '${value}'`);
  }
  return n;
}

/**
 * Waits for a run, cancelling it on Ctrl-C, prints the result and sets the exit code: 0 only when
 * the run succeeded.
 */
export async function finishRun(handle: RunHandle, flags: { json?: boolean }): Promise<RunState> {
  const interrupt = (): void => {
    process.stderr.write('cancelling…\n');
    handle.cancel();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const state = await handle.done;
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  if (flags.json) {
    process.stdout.write(JSON.stringify(runSummary(state)) + '\n');
  }
  process.exitCode = state.status === 'Succeeded' ? 0 : 1;
  return state;
}

export function registerRetry(program: Command): void {
  withLocalRunFlags(
    program
      .command('retry')
      .description('run a run again: the steps that did not succeed, and those whose code changed in the notebook since (its code as it is now)')
      .argument('<run>', 'run id')
      .option('--from <step>', 'also run this step (name or id) and every step after it again, reusing the values above it')
      .option('--as-run', "run the run's own code again, not the notebook as it is now")
  ).action(async (runId: string, flags: LocalRunFlags & { from?: string; asRun?: boolean }) => {
    const notebook = flags.asRun ? undefined : (path: string): NotebookFile => notebookInFolder(process.cwd(), path);
    await finishRun(await cliRunService(flags).retry(runId, { from: flags.from, notebook }), flags);
  });
}
