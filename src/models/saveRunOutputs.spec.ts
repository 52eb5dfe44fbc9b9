/** @jest-environment jsdom */
import type { ICodeCellModel } from '@jupyterlab/cells';
import { CellpipeClient } from '../api/client';
import { mockedClient } from '../__fixtures__/cellpipeClient';
import { notebookPanel, type NotebookPanelFixture } from '../__fixtures__/notebookPanel';
import { cellOutputsReply, cellRecord, stdout } from '../__fixtures__/runCellOutputs';
import { runState, stepState } from '../__fixtures__/runStates';
import { step } from '../core/__fixtures__/notebookBuilder';
import type { NotebookOutput } from '../core/run/cellOutputs';
import { clearedInMemory } from './clearedRunOutputs';
import { NotebookRunOutputs } from './NotebookRunOutputs';
import { saveRunOutputsIntoNotebook } from './saveRunOutputs';
import { SidebarModel } from './SidebarModel';

jest.mock('../api/client');

function settle(): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 0));
}

describe('saveRunOutputsIntoNotebook', () => {
  let client: jest.Mocked<CellpipeClient>;
  let sidebar: SidebarModel;
  let fixture: NotebookPanelFixture;
  let outputs: NotebookRunOutputs;

  const result: NotebookOutput = { output_type: 'execute_result', execution_count: null, metadata: {}, data: { 'text/plain': '2' } };

  beforeEach(async () => {
    client = mockedClient();
    client.runs.mockResolvedValue([runState('r1', [stepState('load', 'Succeeded')], { status: 'Succeeded' })]);
    client.cellOutputs.mockResolvedValue(
      cellOutputsReply('r1', [
        cellRecord(1, 'load', { executionCount: 2, outputs: [stdout('rows 2\n')] }),
        cellRecord(2, 'load', { executionCount: 3, outputs: [result] })
      ])
    );
    sidebar = new SidebarModel(client);
    fixture = notebookPanel([{ markdown: '# Rows' }, step('load', 'rows = [1, 2]\nprint("rows", len(rows))'), 'len(rows)', 'rows']);
    fixture.model.dirty = false;
    outputs = new NotebookRunOutputs(client, sidebar, () => fixture.panel.context.path, clearedInMemory());
    sidebar.setPanel(fixture.panel);
    await settle();
  });

  afterEach(() => {
    outputs.dispose();
    sidebar.dispose();
    fixture.close();
  });

  const codeCell = (index: number): ICodeCellModel => fixture.model.cells.get(index) as ICodeCellModel;

  it("copies each cell's run outputs into its own outputs with Run All's execution count, and the notebook is to be saved", () => {
    expect(saveRunOutputsIntoNotebook(fixture.model, outputs)).toBe(2);
    expect(codeCell(1).outputs.toJSON()).toEqual([stdout('rows 2\n')]);
    expect(codeCell(1).executionCount).toBe(2);
    expect(codeCell(2).outputs.toJSON()).toEqual([{ ...result, execution_count: 3 }]);
    expect(codeCell(2).executionCount).toBe(3);
    expect(codeCell(3).outputs.length).toBe(0);
    expect(codeCell(3).executionCount).toBeNull();
    expect(fixture.model.dirty).toBe(true);
  });

  it('leaves the run output areas empty: the cells show the outputs themselves now', () => {
    saveRunOutputsIntoNotebook(fixture.model, outputs);
    expect(outputs.size).toBe(0);
  });

  it('replaces what a cell showed before', () => {
    codeCell(1).sharedModel.setOutputs([{ output_type: 'stream', name: 'stdout', text: 'old\n' }]);
    saveRunOutputsIntoNotebook(fixture.model, outputs);
    expect(codeCell(1).outputs.toJSON()).toEqual([stdout('rows 2\n')]);
  });
});
