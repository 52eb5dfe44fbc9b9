import type { RunEvent } from '../../../src/core/run/types';
import { RunService } from '../app/runService';
import { kfpAuth } from '../backends/kfp/kfpClient';
import { RunStore } from '../backends/runStore';
import { progressPrinter } from './runOutput';

export interface CliRunFlags {
  verbose?: boolean;
  kfpToken?: string;
  kfpCookie?: string;
}

const stderrLine = (line: string): void => {
  process.stderr.write(line + '\n');
};

/** The application's runs as the CLI uses them: the store in $CELLPIPE_HOME, progress and warnings on stderr. */
export function cliRunService(flags: CliRunFlags = {}, onEvent?: (event: RunEvent) => void): RunService {
  return new RunService({
    store: new RunStore(),
    kfpAuth: kfpAuth(flags),
    warn: stderrLine,
    // CELLPIPE_KFP_POLL_MS: how often a KFP run is read (default 2000 ms).
    kfpPollMs: Number(process.env.CELLPIPE_KFP_POLL_MS) || undefined,
    prepareNextRun: false, // the CLI exits after its run (or sweep)
    onEvent: onEvent ?? progressPrinter(stderrLine, !!flags.verbose)
  });
}
