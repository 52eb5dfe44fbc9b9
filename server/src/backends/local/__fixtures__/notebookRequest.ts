/** A local run's request made from cells the way the service makes it: analysed, built, compiled. */
import { notebookJson, type CellSpec } from '../../../../../src/core/__fixtures__/notebookBuilder';
import { analyzeNotebook } from '../../../../../src/core/analysis';
import { parseNotebook } from '../../../../../src/core/notebook';
import { buildPipeline, type Pipeline } from '../../../../../src/core/pipeline';
import type { RunRequest } from '../../../../../src/core/run/types';
import { toRunRequest } from '../runRequest';

/** The pipeline of a notebook of `cells`; throws with the diagnostics when it has errors. */
export function pipelineOfCells(cells: CellSpec[], notebookPath?: string): Pipeline {
  const json = notebookJson(cells);
  return buildPipeline(parseNotebook(json).notebook!, analyzeNotebook(json), { notebookPath });
}

export function requestOfCells(cells: CellSpec[]): RunRequest {
  return toRunRequest(pipelineOfCells(cells), {});
}
