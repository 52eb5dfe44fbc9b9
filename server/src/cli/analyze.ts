import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { analyzeNotebook, formatAnalysisReport, toAnalysisReport } from '../../../src/core/analysis';
import { hasErrors } from '../../../src/core/notebook';

/** Exit codes: 1 when the notebook has error diagnostics, 2 for usage and I/O errors. */
const EXIT_ERRORS = 1;
const EXIT_USAGE = 2;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    process.stderr.write(`cellpipe analyze: cannot read ${path}: ${reason}\n`);
    return null;
  }
}

/** `cellpipe analyze NOTEBOOK [--json]`: steps, edges, inputs, outputs and diagnostics of a notebook. */
export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('Show the steps a notebook defines, the data flowing between them, and any problems.')
    .argument('<notebook>', 'path to an .ipynb file')
    .option('--json', 'print one JSON object instead of a readable report')
    // Usage errors (missing or extra arguments, unknown options) exit with 2, not commander's 1.
    .exitOverride(error => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
    .action((path: string, options: { json?: boolean }) => {
      const text = readText(path);
      if (text === null) {
        process.exitCode = EXIT_USAGE;
        return;
      }
      const result = analyzeNotebook(text, { defaultStepName: 'main' });
      process.stdout.write(
        options.json ? JSON.stringify(toAnalysisReport(result)) + '\n' : formatAnalysisReport(result)
      );
      process.exitCode = hasErrors(result.diagnostics) ? EXIT_ERRORS : 0;
    });
}
