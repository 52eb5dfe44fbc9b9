/** @jest-environment jsdom */
import { CellpipeClient } from '../api/client';
import { mockedClient, runStream } from '../__fixtures__/cellpipeClient';
import { notebookPanel, type NotebookPanelFixture } from '../__fixtures__/notebookPanel';
import { cellOutputsReply, cellRecord, stdout } from '../__fixtures__/runCellOutputs';
import { runState, stepState } from '../__fixtures__/runStates';
import { step } from '../core/__fixtures__/notebookBuilder';
import type { RunCellOutputsReply } from '../core/run/cellOutputs';
import { clearedInMemory, type ClearedRunOutputs } from './clearedRunOutputs';
import { isStale, NotebookRunOutputs, type ShownCellOutputs } from './NotebookRunOutputs';
import { SidebarModel } from './SidebarModel';

jest.mock('../api/client');

const PATH = 'work/pipeline.ipynb';
const LOAD = 'rows = list(range(n))\nprint(rows)';
const TOTAL = 'total = sum(rows)\nprint(total)';

/** Lets pending promise callbacks run. */
function settle(): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 0));
}

/** A reply the spec hands over when it chooses, to play answers that come late or out of order. */
interface PendingReply {
  runId: string;
  step: string | undefined;
  answer(reply: RunCellOutputsReply): Promise<void>;
}

describe('NotebookRunOutputs', () => {
  let client: jest.Mocked<CellpipeClient>;
  let sidebar: SidebarModel;
  let fixture: NotebookPanelFixture;
  let cleared: ClearedRunOutputs;
  let outputs: NotebookRunOutputs;

  /** What cell `index` (id `c<index>`) shows: its run, step and printed text. */
  const shown = (index: number): { run: string; step: string; text: string } | undefined => {
    const cell: ShownCellOutputs | undefined = outputs.outputsOf({ id: `c${index}`, index });
    return cell && { run: cell.runId, step: cell.stepName, text: cell.outputs.map(o => (o.output_type === 'stream' ? o.text : '')).join('') };
  };

  const follow = (): NotebookRunOutputs => new NotebookRunOutputs(client, sidebar, () => fixture.panel.context.path, cleared);

  beforeEach(() => {
    client = mockedClient();
    sidebar = new SidebarModel(client);
    cleared = clearedInMemory();
    fixture = notebookPanel([{ code: 'n = 3', tags: ['pipeline-parameters'] }, step('load', LOAD), 'len(rows)', step('total', TOTAL)]);
  });

  afterEach(() => {
    outputs.dispose();
    sidebar.dispose();
    fixture.close();
  });

  describe('the latest run of the notebook, finished', () => {
    beforeEach(() => {
      client.runs.mockResolvedValue([runState('r2', [stepState('load', 'Succeeded'), stepState('total', 'Succeeded')], { status: 'Succeeded' })]);
      client.cellOutputs.mockResolvedValue(
        cellOutputsReply('r2', [
          cellRecord(1, 'load', { source: LOAD, outputs: [stdout('[0, 1, 2]\n')] }),
          cellRecord(2, 'load', {
            source: 'len(rows)',
            outputs: [{ output_type: 'execute_result', data: { 'text/plain': '3' }, metadata: {}, execution_count: 3 }]
          }),
          cellRecord(3, 'total', { source: TOTAL, outputs: [stdout('3\n')] })
        ])
      );
      outputs = follow();
      sidebar.setPanel(fixture.panel);
    });

    it("shows each cell's outputs once the notebook opens, read in one request", async () => {
      await settle();
      expect(client.cellOutputs.mock.calls).toEqual([['r2', undefined]]);
      expect(outputs.runId).toBe('r2');
      expect(outputs.size).toBe(3);
      expect(shown(0)).toBeUndefined();
      expect(shown(1)).toEqual({ run: 'r2', step: 'load', text: '[0, 1, 2]\n' });
      // The value numbered as Run All numbers its cell (the runtime cannot know the number).
      expect(outputs.outputsOf({ id: 'c2', index: 2 })!.outputs[0]).toEqual({
        output_type: 'execute_result',
        data: { 'text/plain': '3' },
        metadata: {},
        execution_count: 3
      });
      expect(shown(3)).toEqual({ run: 'r2', step: 'total', text: '3\n' });
    });

    it('finds a cell by its id wherever it moved', async () => {
      await settle();
      expect(outputs.outputsOf({ id: 'c3', index: 0 })?.stepName).toBe('total');
      expect(outputs.outputsOf({ id: 'a-new-cell', index: 3 })).toBeUndefined();
    });

    it('clears them, and they stay cleared for that run when the notebook is opened again', async () => {
      await settle();
      const changes = jest.fn();
      outputs.changed.connect(changes);
      outputs.clear();
      expect(outputs.size).toBe(0);
      expect(changes).toHaveBeenCalledTimes(1);
      outputs.dispose();

      const other = new SidebarModel(client);
      outputs = new NotebookRunOutputs(client, other, () => PATH, cleared);
      other.setPanel(fixture.panel);
      await settle();
      expect(client.cellOutputs).toHaveBeenCalledTimes(2); // read again...
      expect(outputs.size).toBe(0); // ...and left cleared
      other.dispose();
    });

    it('shows nothing, and says why in the console, when the run kept no outputs', async () => {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      outputs.dispose();
      client.cellOutputs.mockRejectedValue(new Error('run r2 kept no copy of its notebook'));
      outputs = follow();
      await settle();
      expect(outputs.size).toBe(0);
      expect(warn.mock.calls[0].join(' ')).toMatch(/no cell outputs for run r2.*kept no copy/);
      warn.mockRestore();
    });
  });

  describe('a run that goes', () => {
    const pending = runState('r1', [stepState('load', 'Pending'), stepState('total', 'Pending', { dependsOn: ['load'] })]);

    beforeEach(async () => {
      client.startRun.mockResolvedValue(pending);
      outputs = follow();
      sidebar.setPanel(fixture.panel);
      await settle();
      await sidebar.compileAndRun();
      await settle();
    });

    it("fetches a step's cells on each of its cell-outputs events, and shows them as they arrive", async () => {
      expect(client.cellOutputs.mock.calls).toEqual([['r1', undefined]]); // what it has so far: nothing
      const stream = runStream(client, 'r1');
      client.cellOutputs.mockResolvedValueOnce(cellOutputsReply('r1', [cellRecord(1, 'load', { source: LOAD, outputs: [stdout('[0, 1, 2]\n')] })]));
      stream.handlers.event({ type: 'cell-outputs', runId: 'r1', stepId: 'load', cells: [1] });
      await settle();
      expect(client.cellOutputs).toHaveBeenLastCalledWith('r1', 'load');
      expect(shown(1)).toEqual({ run: 'r1', step: 'load', text: '[0, 1, 2]\n' });
      expect(shown(2)).toBeUndefined();

      client.cellOutputs.mockResolvedValueOnce(
        cellOutputsReply('r1', [
          cellRecord(1, 'load', { source: LOAD, outputs: [stdout('[0, 1, 2]\n')] }),
          cellRecord(2, 'load', { source: 'len(rows)' })
        ])
      );
      stream.handlers.event({ type: 'cell-outputs', runId: 'r1', stepId: 'load', cells: [2] });
      await settle();
      expect(outputs.size).toBe(2);
      expect(shown(2)).toEqual({ run: 'r1', step: 'load', text: '' });
    });

    it('reads one request at a time: events during a read make one more read, and a late answer never undoes a newer one', async () => {
      const replies: PendingReply[] = [];
      client.cellOutputs.mockImplementation(
        (runId, stepId) =>
          new Promise<RunCellOutputsReply>(resolve =>
            replies.push({
              runId,
              step: stepId,
              answer: async reply => {
                resolve(reply);
                await settle();
              }
            })
          )
      );
      const stream = runStream(client, 'r1');
      stream.handlers.event({ type: 'cell-outputs', runId: 'r1', stepId: 'load', cells: [1] });
      await settle();
      expect(replies.map(r => r.step)).toEqual(['load']);
      // While that read goes: two more events of `load` (one read will do) and one of `total`.
      stream.handlers.event({ type: 'cell-outputs', runId: 'r1', stepId: 'load', cells: [2] });
      stream.handlers.event({ type: 'cell-outputs', runId: 'r1', stepId: 'total', cells: [3] });
      stream.handlers.event({ type: 'cell-outputs', runId: 'r1', stepId: 'load', cells: [2] });
      await settle();
      expect(replies.map(r => r.step)).toEqual(['load']); // one at a time
      await replies[0].answer(cellOutputsReply('r1', [cellRecord(1, 'load', { outputs: [stdout('first\n')] })]));
      // The events that came during the read: one more read of each step, in their order.
      expect(replies.map(r => r.step)).toEqual(['load', 'load']);
      await replies[1].answer(cellOutputsReply('r1', [cellRecord(1, 'load', { outputs: [stdout('first\n')] }), cellRecord(2, 'load')]));
      await replies[2].answer(cellOutputsReply('r1', [cellRecord(3, 'total', { outputs: [stdout('3\n')] })]));
      expect(replies.map(r => r.step)).toEqual(['load', 'load', 'total']);
      expect([1, 2, 3].map(i => shown(i)?.step)).toEqual(['load', 'load', 'total']);
    });

    it('reads every cell again when the run ends, so an event lost on a reconnection is made up for', async () => {
      const stream = runStream(client, 'r1');
      client.cellOutputs.mockResolvedValueOnce(
        cellOutputsReply('r1', [cellRecord(1, 'load', { outputs: [stdout('[0, 1, 2]\n')] }), cellRecord(3, 'total', { outputs: [stdout('3\n')] })])
      );
      client.run.mockResolvedValue({ ...pending, status: 'Succeeded' });
      stream.handlers.event({ type: 'run', runId: 'r1', status: 'Succeeded' });
      await settle();
      expect(client.cellOutputs).toHaveBeenLastCalledWith('r1', undefined);
      expect(shown(3)).toEqual({ run: 'r1', step: 'total', text: '3\n' });
    });

    it('ignores the events of other runs and of other notebooks', async () => {
      const stream = runStream(client, 'r1');
      stream.handlers.event({ type: 'cell-outputs', runId: 'r0', stepId: 'load', cells: [1] });
      const other = notebookPanel([step('a', 'x = 1')], 'work/other.ipynb');
      client.startRun.mockResolvedValue(runState('o1', [stepState('a', 'Running')], { status: 'Running', notebookPath: 'work/other.ipynb' }));
      sidebar.setPanel(other.panel);
      await sidebar.compileAndRun();
      runStream(client, 'o1').handlers.event({ type: 'cell-outputs', runId: 'o1', stepId: 'a', cells: [0] });
      await settle();
      expect(client.cellOutputs.mock.calls.filter(([, stepId]) => stepId !== undefined)).toEqual([]);
      other.close();
    });

    it('shows outputs that come after a clear: the cleared ones stay away', async () => {
      const stream = runStream(client, 'r1');
      const first = cellRecord(1, 'load', { outputs: [stdout('[0, 1, 2]\n')], finishedAt: '2026-12-04T08:00:02.000Z' });
      client.cellOutputs.mockResolvedValueOnce(cellOutputsReply('r1', [first]));
      stream.handlers.event({ type: 'cell-outputs', runId: 'r1', stepId: 'load', cells: [1] });
      await settle();
      outputs.clear();
      const later = cellRecord(2, 'load', { finishedAt: '2026-12-04T08:00:03.000Z', outputs: [stdout('3\n')] });
      client.cellOutputs.mockResolvedValueOnce(cellOutputsReply('r1', [first, later]));
      stream.handlers.event({ type: 'cell-outputs', runId: 'r1', stepId: 'load', cells: [2] });
      await settle();
      expect(shown(1)).toBeUndefined();
      expect(shown(2)).toEqual({ run: 'r1', step: 'load', text: '3\n' });
    });
  });

  describe('runs after runs', () => {
    const finishedR1 = runState('r1', [stepState('load', 'Succeeded'), stepState('total', 'Succeeded')], { status: 'Succeeded' });
    const r1Cells = [cellRecord(1, 'load', { outputs: [stdout('r1 load\n')] }), cellRecord(3, 'total', { outputs: [stdout('r1 total\n')] })];

    beforeEach(async () => {
      client.runs.mockResolvedValue([finishedR1]);
      client.cellOutputs.mockResolvedValueOnce(cellOutputsReply('r1', r1Cells));
      outputs = follow();
      sidebar.setPanel(fixture.panel);
      await settle();
    });

    it("replaces an older run's outputs cell by cell as the new run's arrive, and keeps those it never reaches", async () => {
      client.startRun.mockResolvedValue(runState('r2', [stepState('load', 'Running'), stepState('total', 'Pending')], { status: 'Running' }));
      await sidebar.compileAndRun();
      await settle();
      expect([1, 3].map(i => shown(i)?.run)).toEqual(['r1', 'r1']);
      client.cellOutputs.mockResolvedValueOnce(cellOutputsReply('r2', [cellRecord(1, 'load', { outputs: [stdout('r2 load\n')], status: 'error' })]));
      runStream(client, 'r2').handlers.event({ type: 'cell-outputs', runId: 'r2', stepId: 'load', cells: [1] });
      await settle();
      expect(shown(1)).toEqual({ run: 'r2', step: 'load', text: 'r2 load\n' });
      expect(shown(3)).toEqual({ run: 'r1', step: 'total', text: 'r1 total\n' });
      // The step failed: the run ends without reaching `total`, whose cell keeps what r1 showed.
      client.run.mockResolvedValue(runState('r2', [stepState('load', 'Failed'), stepState('total', 'Skipped')], { status: 'Failed' }));
      client.cellOutputs.mockResolvedValueOnce(cellOutputsReply('r2', [cellRecord(1, 'load', { outputs: [stdout('r2 load\n')], status: 'error' })]));
      runStream(client, 'r2').handlers.event({ type: 'run', runId: 'r2', status: 'Failed' });
      await settle();
      expect(shown(3)?.run).toBe('r1');
    });

    it("shows only a finished run's own outputs when it is chosen in the history", async () => {
      client.run.mockResolvedValue(runState('r0', [stepState('load', 'Succeeded')], { status: 'Succeeded' }));
      client.cellOutputs.mockResolvedValueOnce(cellOutputsReply('r0', [cellRecord(1, 'load', { outputs: [stdout('r0 load\n')] })]));
      await sidebar.selectRun('r0');
      await settle();
      expect(shown(1)).toEqual({ run: 'r0', step: 'load', text: 'r0 load\n' });
      expect(shown(3)).toBeUndefined();
    });

    it('shows the outputs of a step run again after a clear', async () => {
      outputs.clear();
      client.retry.mockResolvedValue(runState('r1', [stepState('load', 'Succeeded'), stepState('total', 'Pending')], { status: 'Running' }));
      await sidebar.selectStep('total');
      await sidebar.rerunFromSelected();
      await settle();
      expect(outputs.size).toBe(0);
      client.cellOutputs.mockResolvedValueOnce(
        cellOutputsReply('r1', [r1Cells[0], cellRecord(3, 'total', { outputs: [stdout('again\n')], finishedAt: '2026-12-04T09:00:00.000Z' })])
      );
      runStream(client, 'r1').handlers.event({ type: 'cell-outputs', runId: 'r1', stepId: 'total', cells: [3] });
      await settle();
      expect(shown(1)).toBeUndefined();
      expect(shown(3)).toEqual({ run: 'r1', step: 'total', text: 'again\n' });
    });
  });

  it("matches a run's cells by their place when the notebook it ran had no cell ids", async () => {
    client.runs.mockResolvedValue([runState('r1', [stepState('load', 'Succeeded')], { status: 'Succeeded' })]);
    client.cellOutputs.mockResolvedValue(cellOutputsReply('r1', [cellRecord(1, 'load', { cellId: null, outputs: [stdout('x\n')] })]));
    outputs = follow();
    sidebar.setPanel(fixture.panel);
    await settle();
    expect(outputs.outputsOf({ id: 'c1', index: 1 })?.stepName).toBe('load');
    expect(outputs.outputsOf({ id: 'c1', index: 2 })).toBeUndefined();
  });

  it('calls a cell stale once its source differs from the source the run ran', () => {
    outputs = follow();
    const record: ShownCellOutputs = { ...cellRecord(1, 'load', { source: LOAD }), runId: 'r1' };
    expect(isStale(record, LOAD)).toBe(false);
    expect(isStale(record, LOAD + '\n')).toBe(true);
    expect(isStale(record, 'rows = []')).toBe(true);
  });
});
