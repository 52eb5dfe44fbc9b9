import type { Command } from 'commander';
import { analyzeNotebook, formatAnalysisReport, toAnalysisReport } from '../../../src/core/analysis';
import { hasErrors } from '../../../src/core/notebook';
import { notebookInFolder, readNotebookText } from '../app/notebookFile';
import { EXIT_FAILED, EXIT_USAGE } from './exitCodes';

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
      const text = readNotebookText(notebookInFolder(process.cwd(), path));
      const result = analyzeNotebook(text, { defaultStepName: 'main' });
      process.stdout.write(options.json ? JSON.stringify(toAnalysisReport(result)) + '\n' : formatAnalysisReport(result));
      process.exitCode = hasErrors(result.diagnostics) ? EXIT_FAILED : 0;
    });
}
