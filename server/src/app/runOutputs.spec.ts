import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CELL_OUTPUTS_FILE, type StepCellOutputs } from '../../../src/core/run/cellOutputs';
import type { RunState } from '../../../src/core/run/types';
import { RunStore } from '../backends/runStore';
import { runCellOutputs, runExecutedNotebook } from './runOutputs';

const PYTHON = join(__dirname, '..', '..', '..', '.venv', 'bin', 'python');

const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [
    { id: 'intro', cell_type: 'markdown', metadata: {}, source: '# Sales' },
    {
      id: 'load',
      cell_type: 'code',
      metadata: { tags: ['step:load'] },
      source: 'rows = [1, 2]\nprint("loaded")',
      execution_count: null,
      outputs: []
    },
    { id: 'show', cell_type: 'code', metadata: {}, source: 'rows', execution_count: null, outputs: [] },
    { id: 'fit', cell_type: 'code', metadata: { tags: ['step:fit'] }, source: 'total = sum(rows)\n1 / 0', execution_count: null, outputs: [] }
  ]
};

function state(runId: string): RunState {
  const step = (id: string, status: 'Succeeded' | 'Failed') => ({
    id,
    name: id === 'fit' ? 'Fit model' : id,
    status,
    dependsOn: [],
    cached: false,
    attempts: 1
  });
  return {
    runId,
    backend: 'local',
    pipelineName: 'sales',
    notebookPath: 'work/sales.ipynb',
    status: 'Failed',
    createdAt: '2026-12-04T10:00:00.000Z',
    finishedAt: '2026-12-04T10:00:03.000Z',
    parameters: {},
    steps: [step('load', 'Succeeded'), step('fit', 'Failed')],
    metrics: {}
  };
}

describe("a run's cell outputs, read from the run store", () => {
  let home: string;
  let store: RunStore;
  const runId = 'sales-20261204-100000-abcdef';

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cellpipe-outputs-'));
    store = new RunStore(home);
    store.add(state(runId));
    store.saveNotebook(runId, JSON.stringify(NOTEBOOK));
    const write = (stepId: string, document: StepCellOutputs): void => {
      mkdirSync(join(store.dataDir(runId), stepId), { recursive: true });
      writeFileSync(join(store.dataDir(runId), stepId, CELL_OUTPUTS_FILE), JSON.stringify(document));
    };
    write('load', {
      version: 1,
      step: 'load',
      cells: [
        { cell: 1, status: 'ok', startedAt: 'a', finishedAt: 'b', outputs: [{ output_type: 'stream', name: 'stdout', text: 'loaded\n' }] },
        {
          cell: 2,
          status: 'ok',
          startedAt: 'b',
          finishedAt: 'c',
          outputs: [{ output_type: 'execute_result', data: { 'text/plain': '[1, 2]' }, metadata: {}, execution_count: null }]
        }
      ]
    });
    // The fit step ran on a cluster: its document was brought back into the store.
    store.saveCellOutputs(
      runId,
      'fit',
      JSON.stringify({
        version: 1,
        step: 'Fit model',
        cells: [
          {
            cell: 3,
            status: 'error',
            startedAt: 'c',
            finishedAt: 'd',
            outputs: [
              {
                output_type: 'error',
                ename: 'ZeroDivisionError',
                evalue: 'division by zero',
                traceback: ['Traceback', 'ZeroDivisionError: division by zero']
              }
            ]
          }
        ]
      })
    );
  });

  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("joins each cell with its id, its source as the run ran it, its step and Run All's execution count", () => {
    const reply = runCellOutputs(store, store.load(runId));
    expect(reply.cells.map(c => [c.cell, c.cellId, c.stepId, c.stepName, c.executionCount, c.status, c.source])).toEqual([
      [1, 'load', 'load', 'load', 1, 'ok', 'rows = [1, 2]\nprint("loaded")'],
      [2, 'show', 'load', 'load', 2, 'ok', 'rows'],
      [3, 'fit', 'fit', 'Fit model', 3, 'error', 'total = sum(rows)\n1 / 0']
    ]);
    expect(runCellOutputs(store, store.load(runId), 'fit').cells.map(c => c.cell)).toEqual([3]);
  });

  it('writes the executed notebook, which the real nbformat validator accepts', () => {
    const { fileName, notebook } = runExecutedNotebook(store, store.load(runId));
    expect(fileName).toBe(`sales.${runId}.ipynb`);
    const path = join(home, fileName);
    writeFileSync(path, JSON.stringify(notebook));
    const check = spawnSync(
      PYTHON,
      [
        '-c',
        'import nbformat, sys; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); print([c.get("execution_count") for c in nb.cells])',
        path
      ],
      { encoding: 'utf8' }
    );
    expect(check.stderr).toBe('');
    expect(check.stdout.trim()).toBe('[None, 1, 2, 3]');
  });

  it('says where a Kubeflow Pipelines run shows its outputs: its API gives none back', () => {
    const kfp = 'kfp-20261204-100000-abcdef';
    store.add({ ...state(kfp), runId: kfp, backend: 'kfp', kfp: { host: 'http://kfp.example', runId: 'r-1' } });
    store.saveNotebook(kfp, JSON.stringify(NOTEBOOK));
    const reply = runCellOutputs(store, store.load(kfp));
    expect(reply.cells).toEqual([]);
    expect(reply.note).toBe(
      "Kubeflow Pipelines does not give a step's outputs back through its API. The KFP UI shows them: in the run's graph " +
        "(http://kfp.example/#/runs/details/r-1), select a step's `cell_outputs` artifact; its Visualization tab shows the step's cells " +
        "and what they showed (kept for the steps that succeeded; a failed step's error is in its log)"
    );
    expect(runCellOutputs(store, store.load(runId)).note).toBeUndefined(); // a run whose outputs came back
  });

  it('refuses, in words, a run that kept no copy of its notebook', () => {
    const old = 'old-20261204-100000-abcdef';
    store.add({ ...state(old), runId: old });
    expect(() => runCellOutputs(store, store.load(old))).toThrow(/kept no copy of its notebook .* run the notebook again/);
  });
});
