/**
 * The notebook corpus: realistic notebooks with hand-written expected results (steps, edges,
 * inputs, outputs) beside them in src/core/__fixtures__/notebooks.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { analyzeNotebook } from './analyzer';
import { toAnalysisReport } from './report';

const folder = join(__dirname, '..', '__fixtures__', 'notebooks');
const notebooks = readdirSync(folder).filter(name => name.endsWith('.ipynb'));

test('the corpus has at least six notebooks, each with an expected result', () => {
  expect(notebooks.length).toBeGreaterThanOrEqual(6);
});

describe.each(notebooks)('%s', name => {
  const expected = JSON.parse(readFileSync(join(folder, name.replace(/\.ipynb$/, '.expected.json')), 'utf8'));
  const report = toAnalysisReport(analyzeNotebook(readFileSync(join(folder, name), 'utf8')));

  test('steps, edges, inputs, outputs and declarations', () => {
    expect(report.steps).toEqual(expected.steps);
  });

  test('parameters, metrics and diagnostics', () => {
    expect(report.parameters).toEqual(expected.parameters);
    expect(report.metrics).toEqual(expected.metrics);
    expect(report.diagnostics.map(d => `${d.severity} ${d.code} @${d.cell}`)).toEqual(expected.diagnostics);
  });
});
