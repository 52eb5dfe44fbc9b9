import { notebookJson, step } from '../__fixtures__/notebookBuilder';
import { analyzeNotebook } from './analyzer';

const warnings = (cells: Parameters<typeof notebookJson>[0]) =>
  analyzeNotebook(notebookJson(cells))
    .diagnostics.filter(d => d.code === 'functions-cell-state')
    .map(d => ({ cell: d.cell, line: d.line, column: d.column, message: d.message }));

describe('functions-cell-state', () => {
  test('an assignment from a call in a functions cell is a warning on its statement, saying what to do', () => {
    const found = warnings([
      { code: 'import torch', tags: ['imports'] },
      { code: 'class Net:\n    pass\n\nnet = Net()', tags: ['functions'] },
      step('train', 'net.fit = 1'),
      step('test', 'print(net)')
    ]);
    expect(found).toEqual([{ cell: 1, line: 4, column: 1, message: expect.stringContaining("'net' is built by calling Net in a 'functions' cell") }]);
    expect(found[0].message).toContain("Move this statement into the step that first uses 'net'");
    expect(found[0].message).toContain("keep only def, class and import statements in 'functions' cells");
  });

  test('imports cells are checked too', () => {
    expect(warnings([{ code: 'import dask\nclient = Client()', tags: ['imports'] }, step('a', 'client.close()')])).toEqual([
      expect.objectContaining({ cell: 0, line: 2, message: expect.stringContaining("in an 'imports' cell") })
    ]);
  });

  test('definitions, imports and literal constants are not state', () => {
    expect(
      warnings([
        {
          code: 'import numpy as np\nfrom x import y\nSEED = 42\nNAMES = ["a", "b"]\ndef f():\n    return g()\nclass C:\n    v = make()',
          tags: ['functions']
        },
        step('a', 'print(f(), SEED, NAMES, C)'),
        step('b', 'net = Net()')
      ])
    ).toEqual([]);
  });
});
