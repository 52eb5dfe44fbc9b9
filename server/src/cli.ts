// Entry point of the `cellpipe` command (bundled to jupyterlab_cellpipe/server/cellpipe.cjs).
import { createProgram } from './cli/program';
import { exitCodeOf } from './cli/exitCodes';

// `cellpipe runs | head` closes stdout early: that is not an error.
process.stdout.on('error', error => {
  if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
    process.exit(0);
  }
  throw error;
});

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`cellpipe: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = exitCodeOf(error);
  });
