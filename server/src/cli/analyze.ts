import type { Command } from 'commander';
import { formatAnalysisReport, toAnalysisReport, type AnalysisResult, type StepPackages } from '../../../src/core/analysis';
import { analyzeNotebookFile } from '../app/analysisCache';
import { hasErrors } from '../../../src/core/notebook';
import { notebookInFolder, readNotebookText, type NotebookFile } from '../app/notebookFile';
import { EXIT_FAILED, EXIT_USAGE } from './exitCodes';

interface AnalyzeFlags {
  json?: boolean;
  packages?: boolean;
  python?: string;
}

/**
 * Each step's cluster packages, pinned to the kernel's Python, with the warnings about modules that
 * cannot be pinned added to the analysis's diagnostics.
 */
async function stepPackages(
  file: NotebookFile,
  result: AnalysisResult,
  python: string | undefined
): Promise<{ packages: StepPackages; result: AnalysisResult }> {
  // Loaded only here: they start Python processes, and node:child_process alone costs a plain
  // `analyze` several milliseconds of its start-up (npm run bench -- startup).
  const [{ notebookPackages }, { PythonResolver }] = await Promise.all([import('../app/environments'), import('../app/pythonResolver')]);
  const report = await notebookPackages(file, new PythonResolver(), python);
  const packages = new Map(report.steps.map(step => [step.name, step.packages]));
  return { packages, result: { ...result, diagnostics: [...result.diagnostics, ...report.diagnostics] } };
}

/** `cellpipe analyze NOTEBOOK [--json] [--packages]`: steps, edges, inputs, outputs and diagnostics of a notebook. */
export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('Show the steps a notebook defines, the data flowing between them, and any problems.')
    .argument('<notebook>', 'path to an .ipynb file')
    .option('--json', 'print one JSON object instead of a readable report')
    .option('--packages', "also list what a cluster installs for each step, pinned to the notebook kernel's packages (starts that Python)")
    .option('--python <path>', "with --packages: the Python whose packages are read (default: the notebook kernel's)")
    // Usage errors (missing or extra arguments, unknown options) exit with 2, not commander's 1.
    .exitOverride(error => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
    .action(async (path: string, flags: AnalyzeFlags) => {
      const file = notebookInFolder(process.cwd(), path);
      let result = analyzeNotebookFile(file, readNotebookText(file));
      let packages: StepPackages | undefined;
      if (flags.packages && !hasErrors(result.diagnostics)) {
        ({ packages, result } = await stepPackages(file, result, flags.python));
      }
      process.stdout.write(flags.json ? JSON.stringify(toAnalysisReport(result, packages)) + '\n' : formatAnalysisReport(result, packages));
      process.exitCode = hasErrors(result.diagnostics) ? EXIT_FAILED : 0;
    });
}
