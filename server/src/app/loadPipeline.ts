import { formatDiagnostic, type AnalysisResult } from '../../../src/core/analysis';
import { hasErrors, parseNotebook, type Notebook, type NotebookParseResult } from '../../../src/core/notebook';
import { buildPipeline, type Pipeline } from '../../../src/core/pipeline';
import { CellpipeError } from '../errors';
import { analyzeNotebookFile } from './analysisCache';
import { readNotebookText, type NotebookFile } from './notebookFile';

export interface LoadedPipeline {
  /** The file's text as read: a run keeps it (the executed notebook, the cells' ids and sources). */
  text: string;
  notebook: Notebook;
  analysis: AnalysisResult;
  /** Its notebookPath is the file's `relative` path. */
  pipeline: Pipeline;
}

/**
 * Reads, analyses and builds the pipeline of a notebook file (`text`: its content, and `parsed`,
 * it parsed, when the caller has them already). Warnings go to `warn`; errors stop here
 * ('notebook') with every error diagnostic in the message.
 */
export function loadPipeline(
  file: NotebookFile,
  warn: (line: string) => void = () => undefined,
  text = readNotebookText(file),
  parsed: NotebookParseResult = parseNotebook(text)
): LoadedPipeline {
  const analysis = analyzeNotebookFile(file, parsed.notebook ?? text);
  for (const d of analysis.diagnostics.filter(d => d.severity === 'warning')) {
    warn(formatDiagnostic(d));
  }
  if (!parsed.notebook || hasErrors(analysis.diagnostics)) {
    const errors = (parsed.notebook ? analysis.diagnostics : parsed.diagnostics).filter(d => d.severity === 'error');
    throw new CellpipeError('notebook', `${file.relative} cannot run as a pipeline:\n${errors.map(d => '  ' + formatDiagnostic(d)).join('\n')}`);
  }
  const pipeline = buildPipeline(parsed.notebook, analysis, { notebookPath: file.relative });
  return { text, notebook: parsed.notebook, analysis, pipeline };
}
