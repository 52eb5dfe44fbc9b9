import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseNotebook, planNotebook, type Notebook, type NotebookCell } from '../../../src/core/notebook';
import type { CellOutputRecord, RunCellOutputs, RunCellOutputsReply } from '../../../src/core/run/cellOutputs';
import { executedNotebook, runAllExecutionCounts } from '../../../src/core/run/executedNotebook';
import { KFP_OUTPUTS_PAGE_ARTIFACT } from '../../../src/core/compile/kfp';
import type { RunState } from '../../../src/core/run/types';
import type { RunStore } from '../backends/runStore';
import { CellpipeError } from '../errors';

/**
 * What a run shows on the notebook's cells, read from the run store: each step's cells' outputs
 * (the runtime's documents), joined with the notebook as the run read it (the cells' ids and
 * sources, Run All's execution counts). The service serves it by cell; `cellpipe outputs` and the
 * sidebar turn it into the executed notebook.
 */

interface RunNotebook {
  json: Record<string, unknown>;
  notebook: Notebook;
  cells: NotebookCell[];
}

/**
 * Notebooks of runs already parsed, by their file (the copy is written once, when the run starts):
 * a running notebook's cells are asked for after each of its cells, and parsing a large notebook
 * again each time was most of the service's reply time. The most recent few are kept.
 */
const parsedNotebooks = new Map<string, { mtimeMs: number; parsed: RunNotebook }>();
const PARSED_NOTEBOOKS_KEPT = 16;

/** The notebook as the run read it, parsed; an earlier version's run, which kept no copy, is refused in words. */
function runNotebook(store: RunStore, state: RunState): RunNotebook {
  const path = store.notebookPath(state.runId);
  const mtimeMs = existsSync(path) ? statSync(path).mtimeMs : -1;
  const known = parsedNotebooks.get(path);
  if (known && known.mtimeMs === mtimeMs) {
    return known.parsed;
  }
  const text = store.readNotebook(state.runId);
  const parsed = text === undefined ? undefined : parseNotebook(text);
  if (!parsed?.notebook) {
    throw new CellpipeError(
      'not-found',
      `run ${state.runId} kept no copy of its notebook (it was started by an earlier version of cellpipe): run the notebook again to see its outputs`
    );
  }
  const result = { json: JSON.parse(text!) as Record<string, unknown>, notebook: parsed.notebook, cells: parsed.notebook.cells };
  parsedNotebooks.delete(path);
  parsedNotebooks.set(path, { mtimeMs, parsed: result });
  if (parsedNotebooks.size > PARSED_NOTEBOOKS_KEPT) {
    parsedNotebooks.delete(parsedNotebooks.keys().next().value!);
  }
  return result;
}

/** Each executed cell's record, by cell index, from the steps of the run (or the one step asked for). */
function recordsByCell(store: RunStore, state: RunState, stepIds: string[]): Map<number, { record: CellOutputRecord; stepId: string }> {
  const byCell = new Map<number, { record: CellOutputRecord; stepId: string }>();
  for (const stepId of stepIds) {
    for (const record of store.readCellOutputs(state.runId, stepId)?.cells ?? []) {
      byCell.set(record.cell, { record, stepId });
    }
  }
  return byCell;
}

/** The cells of a run with outputs so far, in notebook order; `stepId`: those of one step. */
export function runCellOutputs(store: RunStore, state: RunState, stepId?: string): RunCellOutputsReply {
  const notebook = runNotebook(store, state);
  const counts = runAllExecutionCounts(notebook.cells.map(cell => ({ cell_type: cell.cellType, source: cell.source })));
  const names = new Map(state.steps.map(step => [step.id, step.name]));
  const records = recordsByCell(store, state, stepId === undefined ? state.steps.map(step => step.id) : [stepId]);
  const cells: RunCellOutputs[] = [];
  for (const [index, { record, stepId: owner }] of [...records].sort(([a], [b]) => a - b)) {
    const cell = notebook.cells[index];
    if (!cell || cell.cellType !== 'code') {
      continue; // a record that does not fit this notebook (never written by its run)
    }
    cells.push({
      ...record,
      cellId: cell.id,
      stepId: owner,
      stepName: names.get(owner) ?? owner,
      source: cell.source,
      executionCount: counts.get(index)!
    });
  }
  return cells.length === 0 && state.backend === 'kfp' ? { runId: state.runId, cells, note: kfpOutputsNote(state) } : { runId: state.runId, cells };
}

/**
 * Where a Kubeflow Pipelines run's outputs are: its API gives back neither a step's files nor its
 * output parameters' values (v2beta1's task details carry states only), but the KFP UI renders each
 * step's outputs page (kfp/compile.ts: KFP_OUTPUTS_PAGE_ARTIFACT), which KFP keeps for the steps that succeeded.
 */
function kfpOutputsNote(state: RunState): string {
  const run = state.kfp ? ` (${state.kfp.host}/#/runs/details/${state.kfp.runId})` : '';
  return (
    "Kubeflow Pipelines does not give a step's outputs back through its API. The KFP UI shows them: in the run's graph" +
    `${run}, select a step's \`${KFP_OUTPUTS_PAGE_ARTIFACT}\` artifact; its Visualization tab shows the step's cells and what they showed ` +
    "(kept for the steps that succeeded; a failed step's error is in its log)"
  );
}

/** The executed notebook of a run, and the file name it is offered under (`train.<run id>.ipynb`). */
export function runExecutedNotebook(store: RunStore, state: RunState): { fileName: string; notebook: Record<string, unknown> } {
  const notebook = runNotebook(store, state);
  const records = new Map<number, CellOutputRecord>();
  for (const [index, { record }] of recordsByCell(
    store,
    state,
    state.steps.map(step => step.id)
  )) {
    records.set(index, record);
  }
  // The parameters cell and the prelude ran too, as the values bound before every step and the
  // declarations run in the steps that need them: numbered as Run All numbers them, nothing shown.
  const started = [...records.values()].map(record => record.startedAt).sort()[0] ?? '';
  for (const plan of planNotebook(notebook.notebook).cells) {
    if ((plan.role === 'parameters' || plan.role === 'prelude') && records.size > 0 && !records.has(plan.index)) {
      records.set(plan.index, { cell: plan.index, status: 'ok', startedAt: started, finishedAt: started, outputs: [] });
    }
  }
  const stem = basename(state.notebookPath ?? state.pipelineName).replace(/\.ipynb$/i, '');
  return {
    fileName: `${stem}.${state.runId}.ipynb`,
    notebook: executedNotebook(notebook.json, records, {
      runId: state.runId,
      backend: state.backend,
      status: state.status,
      parameters: state.parameters,
      ...(state.finishedAt ? { finishedAt: state.finishedAt } : {})
    })
  };
}
