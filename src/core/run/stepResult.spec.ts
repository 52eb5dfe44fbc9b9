import { describeFailure, readStepResult } from './stepResult';

describe("the runtime's step result, read back", () => {
  it("turns a failure record into words and, for the user's errors, the notebook cell and line", () => {
    expect(describeFailure({ kind: 'user', message: 'KeyError: 1', cell: '<cell 12: step train model>', line: 4 })).toEqual({
      message: 'KeyError: 1 (<cell 12: step train model>, line 4)',
      failure: { cell: 11, line: 4, error: 'KeyError: 1' } // the notebook's index; words number cells from 1
    });
    expect(describeFailure({ kind: 'output', message: 'output x is not bound' })).toEqual({ message: 'output x is not bound' });
    expect(describeFailure({ kind: 'user', message: 'E', cell: '<string>', line: 1 })).toEqual({
      message: 'E (<string>, line 1)',
      failure: undefined
    });
    expect(describeFailure({ message: 3 })).toBeUndefined();
    expect(describeFailure(null)).toBeUndefined();
  });

  it('reads the status, numeric metrics, and the failure of a failed step only', () => {
    expect(readStepResult(JSON.stringify({ status: 'Succeeded', metrics: { a: 1, b: null, c: 'x' }, error: null }))).toEqual({
      status: 'Succeeded',
      metrics: { a: 1 },
      failure: undefined
    });
    const failed = readStepResult(JSON.stringify({ status: 'Failed', metrics: {}, error: { message: 'boom', cell: '<cell 2: step s>', line: 9 } }));
    expect(failed).toEqual({
      status: 'Failed',
      metrics: undefined,
      failure: { message: 'boom (<cell 2: step s>, line 9)', failure: { cell: 1, line: 9, error: 'boom' } }
    });
    expect(readStepResult('{}')).toBeUndefined(); // Argo's default when the step wrote no document
    expect(readStepResult('not json')).toBeUndefined();
  });
});
