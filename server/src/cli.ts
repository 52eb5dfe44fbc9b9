// Entry point of the `cellpipe` command (bundled to jupyterlab_cellpipe/server/cellpipe.cjs).
import { createProgram } from './cli/program';

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`cellpipe: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
