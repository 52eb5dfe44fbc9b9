import { notebookJson, step } from '../__fixtures__/notebookBuilder';
import { analyzeNotebook } from './analyzer';

describe('a pipeline parameter named in the metrics cell', () => {
  test('is a metric, reported by the last step above the cell (its value is the same in every step)', () => {
    const result = analyzeNotebook(
      notebookJson([
        { code: 'd1 = 5\nd2 = 6', tags: ['pipeline-parameters'] },
        step('create', 'm = d1 * d2'),
        step('total', 'total = m + 1'),
        { code: 'print(d1)\nprint(total)', tags: ['pipeline-metrics'] }
      ])
    );
    expect(result.metrics).toEqual(['d1', 'total']);
    expect(result.steps.map(s => [s.name, s.metrics])).toEqual([
      ['create', []],
      ['total', ['d1', 'total']]
    ]);
    expect(result.diagnostics.filter(d => d.code === 'unknown-metric')).toEqual([]);
  });
});
