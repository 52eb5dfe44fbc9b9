import type { Command } from 'commander';
import { exitCodeOf } from '../exitCodes';

/** Runs the program on process.argv: what each bundle's entry does once its commands are registered. */
export function runCli(program: Command): void {
  // `cellpipe runs | head` closes stdout early: that is not an error.
  process.stdout.on('error', error => {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
      process.exit(0);
    }
    throw error;
  });

  program.parseAsync(process.argv).catch((error: unknown) => {
    process.stderr.write(`cellpipe: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = exitCodeOf(error);
  });
}
