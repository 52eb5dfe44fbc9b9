import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { analyzeNotebook, formatDiagnostic, type AnalysisResult } from '../../../src/core/analysis';
import { hasErrors, parseNotebook, type Notebook } from '../../../src/core/notebook';
import { buildPipeline, type Pipeline } from '../../../src/core/pipeline';

/** An error the CLI reports in words, with its exit code (1: the notebook has errors, 2: usage or I/O). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number
  ) {
    super(message);
  }
}

/** Reads a file as text, or fails with a message that says why. */
export function readNotebookText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new CliError(`cannot read ${path}: ${reason}`, 2);
  }
}

export interface LoadedPipeline {
  notebook: Notebook;
  analysis: AnalysisResult;
  pipeline: Pipeline;
}

/**
 * Reads, analyses and builds the pipeline of a notebook file. Warnings go to `warn`; errors stop
 * here with every error diagnostic in the message.
 */
export function loadPipeline(path: string, warn: (line: string) => void): LoadedPipeline {
  const text = readNotebookText(path);
  const parsed = parseNotebook(text);
  const analysis = analyzeNotebook(parsed.notebook ?? text, { defaultStepName: 'main' });
  for (const d of analysis.diagnostics.filter(d => d.severity === 'warning')) {
    warn(formatDiagnostic(d));
  }
  if (!parsed.notebook || hasErrors(analysis.diagnostics)) {
    const errors = (parsed.notebook ? analysis.diagnostics : parsed.diagnostics).filter(d => d.severity === 'error');
    throw new CliError(`${path} cannot run as a pipeline:\n${errors.map(d => '  ' + formatDiagnostic(d)).join('\n')}`, 1);
  }
  const pipeline = buildPipeline(parsed.notebook, analysis, { notebookPath: relative(process.cwd(), path) || path });
  return { notebook: parsed.notebook, analysis, pipeline };
}
