import type { CellOutputRecord } from './cellOutputs';
import { executedNotebook, runAllExecutionCounts } from './executedNotebook';

const notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3' }, cellpipe: { other: 1 } },
  cells: [
    { id: 'md', cell_type: 'markdown', metadata: {}, source: '# Title' },
    { id: 'p', cell_type: 'code', metadata: { tags: ['pipeline-parameters'] }, source: 'n = 3', execution_count: 7, outputs: [] },
    { id: 'a', cell_type: 'code', metadata: { tags: ['step:a'] }, source: 'x = n\nx', execution_count: null, outputs: [] },
    {
      id: 's',
      cell_type: 'code',
      metadata: { tags: ['skip'] },
      source: 'print("old")',
      execution_count: 9,
      outputs: [{ output_type: 'stream', name: 'stdout', text: 'old\n' }]
    },
    { id: 'b', cell_type: 'code', metadata: { tags: ['step:b'] }, source: 'print(x)', execution_count: null, outputs: [] }
  ]
};

function record(cell: number, outputs: CellOutputRecord['outputs']): CellOutputRecord {
  return { cell, status: 'ok', startedAt: '', finishedAt: '', outputs };
}

describe('executedNotebook', () => {
  it('numbers code cells as Run All does: their place among code cells, from 1, empty cells left out', () => {
    expect([...runAllExecutionCounts(notebook.cells)]).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4]
    ]);
    const withEmpty = [notebook.cells[1], { cell_type: 'code', source: ['  \n'] }, { cell_type: 'code', source: ['x', ' = 1'] }];
    expect([...runAllExecutionCounts(withEmpty)]).toEqual([
      [0, 1],
      [2, 2]
    ]);
  });

  it("puts each executed cell's outputs from the run on it, and clears the cells the run did not execute", () => {
    const records = new Map([
      [2, record(2, [{ output_type: 'execute_result', data: { 'text/plain': '3' }, metadata: {}, execution_count: null }])],
      [4, record(4, [{ output_type: 'stream', name: 'stdout', text: '3\n' }])]
    ]);
    const executed = executedNotebook(notebook, records, { runId: 'r-1', backend: 'local', status: 'Succeeded', parameters: { n: 5 } });
    const cells = executed.cells as Array<Record<string, unknown>>;
    expect(cells[0]).toBe(notebook.cells[0]);
    expect(cells.map(c => c.execution_count)).toEqual([undefined, null, 2, null, 4]);
    expect(cells[2].outputs).toEqual([{ output_type: 'execute_result', data: { 'text/plain': '3' }, metadata: {}, execution_count: 2 }]);
    expect(cells[3].outputs).toEqual([]);
    expect(cells[4].outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: '3\n' }]);
    expect(executed.metadata).toEqual({
      kernelspec: { name: 'python3' },
      cellpipe: { other: 1, run: { runId: 'r-1', backend: 'local', status: 'Succeeded', parameters: { n: 5 } } }
    });
    // The run's notebook is left as it was.
    expect(notebook.cells[3].outputs).toHaveLength(1);
    expect(records.get(2)!.outputs[0]).toMatchObject({ execution_count: null });
  });
});
