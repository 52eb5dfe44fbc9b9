import { readStepCellOutputs } from './cellOutputs';

describe('readStepCellOutputs', () => {
  it("reads the runtime's document", () => {
    const document = {
      version: 1,
      step: 'train',
      cells: [
        {
          cell: 3,
          status: 'ok',
          startedAt: '2026-12-04T10:00:00Z',
          finishedAt: '2026-12-04T10:00:01Z',
          outputs: [
            { output_type: 'stream', name: 'stdout', text: 'hello\n' },
            { output_type: 'execute_result', data: { 'text/plain': '42' }, metadata: {}, execution_count: null }
          ]
        },
        {
          cell: 4,
          status: 'error',
          startedAt: '',
          finishedAt: '',
          outputs: [{ output_type: 'error', ename: 'ValueError', evalue: 'no', traceback: ['...'] }]
        }
      ]
    };
    expect(readStepCellOutputs(JSON.stringify(document))).toEqual(document);
  });

  it('leaves out records and outputs of another shape, and refuses what is not such a document', () => {
    const read = readStepCellOutputs(
      JSON.stringify({
        version: 1,
        step: 's',
        cells: [
          null,
          { cell: 'one', outputs: [] },
          { cell: 2, outputs: 'x' },
          {
            cell: 5,
            status: 'weird',
            outputs: [
              { output_type: 'stream', name: 'stdin', text: 'x' },
              { output_type: 'display_data', data: ['x'] },
              { output_type: 'future_kind' },
              { output_type: 'display_data', data: { 'text/plain': 'kept' }, metadata: {} }
            ]
          }
        ]
      })
    );
    expect(read?.cells).toEqual([
      {
        cell: 5,
        status: 'ok',
        startedAt: '',
        finishedAt: '',
        outputs: [{ output_type: 'display_data', data: { 'text/plain': 'kept' }, metadata: {} }]
      }
    ]);
    expect(readStepCellOutputs('{"cells": [')).toBeUndefined();
    expect(readStepCellOutputs('[]')).toBeUndefined();
    expect(readStepCellOutputs('{"step": "s"}')).toBeUndefined();
  });
});
