/**
 * The DAG of the flagship example (examples/train_pipeline.ipynb), pinned: `predict` and
 * `mean_squared_error` (its `functions` cell) only read their arguments, so calling them changes
 * nothing, and `baseline` runs in parallel with `train`. Whether the pipeline prints what Run All
 * prints is checked by server/src/equivalence/corpus.spec.ts, which runs the examples too.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { analyzeNotebook } from './analyzer';
import type { StepAnalysis } from './types';

const notebook = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'train_pipeline.ipynb'), 'utf8');
const result = analyzeNotebook(notebook);
const steps = new Map(result.steps.map(step => [step.name, step]));
const stepNamed = (name: string): StepAnalysis => {
  const found = steps.get(name);
  if (!found) {
    throw new Error(`no step ${name}`);
  }
  return found;
};

describe('examples/train_pipeline.ipynb', () => {
  test('analyses without warnings or errors', () => {
    expect(result.diagnostics.filter(d => d.severity !== 'info')).toEqual([]);
    expect(result.steps.map(s => s.name)).toEqual(['load_data', 'split', 'train', 'baseline', 'evaluate']);
  });

  test('baseline depends only on split: it runs in parallel with train', () => {
    expect(stepNamed('train').dependsOn).toEqual(['split']);
    expect(stepNamed('baseline').dependsOn).toEqual(['split']);
  });

  test('evaluate waits for train and baseline (and loads test_rows from split)', () => {
    expect(stepNamed('evaluate').dependsOn).toEqual(['baseline', 'split', 'train']);
    expect(stepNamed('evaluate').inputSources).toEqual({ baseline_mse: 'baseline', test_rows: 'split', weights: 'train' });
  });

  test('calls of the pure helpers change nothing: train and evaluate re-save no rows', () => {
    expect(stepNamed('train').mutates).toEqual([]);
    expect(stepNamed('evaluate').mutates).not.toContain('test_rows');
    expect(stepNamed('evaluate').mutates).not.toContain('weights');
  });

  test('each step saves what later steps (and the metrics) load, and loads it from its source', () => {
    const flow = result.steps.map(s => ({ name: s.name, inputs: s.inputSources, outputs: s.outputs, metrics: s.metrics }));
    expect(flow).toEqual([
      { name: 'load_data', inputs: {}, outputs: ['rows'], metrics: [] },
      { name: 'split', inputs: { rows: 'load_data' }, outputs: ['test_rows', 'train_rows'], metrics: [] },
      { name: 'train', inputs: { train_rows: 'split' }, outputs: ['weights'], metrics: [] },
      { name: 'baseline', inputs: { test_rows: 'split', train_rows: 'split' }, outputs: ['baseline_mse'], metrics: [] },
      {
        name: 'evaluate',
        inputs: { baseline_mse: 'baseline', test_rows: 'split', weights: 'train' },
        outputs: [],
        metrics: ['improvement', 'rmse', 'test_mse']
      }
    ]);
    expect(result.metrics).toEqual(['improvement', 'rmse', 'test_mse']);
  });

  test('each step runs the declarations it uses', () => {
    expect(stepNamed('train').declarations).toEqual(['predict', 'statistics']);
    expect(stepNamed('evaluate').declarations).toEqual(['math', 'mean_squared_error', 'predict', 'statistics']);
  });
});
