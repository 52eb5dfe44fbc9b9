import { notebookJson, step } from '../__fixtures__/notebookBuilder';
import { analyzeNotebook } from './analyzer';
import { formatAnalysisReport } from './report';

describe('the text report of `cellpipe analyze`', () => {
  it('shows inputs with their steps, results, the random states and the replayed settings a step starts from', () => {
    const report = formatAnalysisReport(
      analyzeNotebook(
        notebookJson([
          step('a', 'import numpy as np\nimport pandas as pd\npd.set_option("display.width", 50)\nnp.random.seed(0)\nx = np.random.rand()'),
          step('b', 'y = x + np.random.rand()\ny')
        ])
      )
    ).split('\n');
    expect(report).toEqual(
      expect.arrayContaining([
        'step "b" (cells 2)',
        '  inputs:       x <- a',
        '  outputs:      y (result: no later step reads it)',
        '  random state: numpy <- a',
        '  replays:      cell 1 line 3'
      ])
    );
    expect(report.slice(0, report.indexOf('step "b" (cells 2)')).some(line => line.startsWith('  random state:'))).toBe(false);
  });
});
