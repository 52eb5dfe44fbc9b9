/**
 * Analysis benchmark: a generated notebook of 1,000 cells (~10,000 lines of data-science code,
 * ~80 steps) analysed cold and warm, and re-analysis after editing one cell of a 300-cell notebook.
 */
import { performance } from 'node:perf_hooks';
import { Analyzer } from '../../src/core/analysis';
import { generateNotebook, type GeneratedCell } from '../../src/core/__fixtures__/generatedNotebook';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

export function runAnalysisBenchmark(runs = 21): string[] {
  const big = JSON.stringify(generateNotebook(1000));
  const lines = big.length;
  const bigNotebook = JSON.parse(big);
  const totalLines = bigNotebook.cells.reduce((n: number, c: GeneratedCell) => n + c.source.split('\n').length, 0);

  const cold = time(() => new Analyzer().analyze(big));
  const analyzer = new Analyzer();
  const first = analyzer.analyze(big);
  const warm = median(Array.from({ length: runs }, () => time(() => analyzer.analyze(big))));

  const editor = new Analyzer();
  editor.analyze(generateNotebook(300));
  const edits = Array.from({ length: runs }, (_, n) => {
    const edited = generateNotebook(300, n + 1, 150);
    return time(() => editor.analyze(edited));
  });

  return [
    `analysis: 1,000 cells, ${totalLines} lines, ${first.steps.length} steps (${(lines / 1e6).toFixed(1)} MB JSON)`,
    `  cold (new Analyzer):              ${cold.toFixed(1)} ms`,
    `  warm (cached Analyzer, median):   ${warm.toFixed(1)} ms   target < 100 ms`,
    `  one-cell edit, 300 cells (median): ${median(edits).toFixed(2)} ms   target < 5 ms`
  ];
}
