/**
 * Analysis benchmark: a generated notebook of 1,000 cells (~10,000 lines of data-science code,
 * ~80 steps) analysed cold and warm, and re-analysis after editing one cell of a 300-cell notebook.
 */
import { performance } from 'node:perf_hooks';
import { Analyzer } from '../../src/core/analysis';
import { codeCell, type CodeCell } from '../../src/core/__fixtures__/notebookBuilder';

type Cell = CodeCell & { source: string };

/** Ten or so lines of realistic code for cell `i`, reading names earlier cells bound. */
function cellSource(i: number, edit = 0): string {
  const prev = i > 0 ? `frame_${i - 1}` : 'pd.DataFrame({"a": range(100)})';
  const helper = `helper_${Math.floor(i / 50)}`;
  return [
    `# cell ${i}${edit ? ` edited ${edit}` : ''}`,
    `frame_${i} = ${prev}.copy()`,
    `frame_${i}["col_${i}"] = frame_${i}["a"] * ${i % 7} + ${edit}`,
    `values_${i} = [v * 2 for v in frame_${i}["a"] if v % ${(i % 5) + 2} == 0]`,
    `summary_${i} = {"mean": sum(values_${i}) / max(len(values_${i}), 1), "n": len(values_${i})}`,
    `if summary_${i}["n"] > 10:`,
    `    label_${i} = f"big {summary_${i}['mean']:.2f}"`,
    `else:`,
    `    label_${i} = "small"`,
    `result_${i} = ${helper}(frame_${i}, threshold=${i % 13})`,
    `print(label_${i}, result_${i})`
  ].join('\n');
}

function helperSource(k: number): string {
  return [
    `def helper_${k}(frame, threshold=0):`,
    `    """Filters rows above a threshold."""`,
    `    selected = frame[frame["a"] > threshold]`,
    `    return np.mean(selected["a"]) if len(selected) else 0.0`,
    ``,
    `class Model_${k}:`,
    `    def __init__(self, alpha=1.0):`,
    `        self.alpha = alpha`,
    `    def fit(self, x):`,
    `        return self`
  ].join('\n');
}

export function generateNotebook(cells: number, edit = 0, editedCell = -1): { nbformat: 4; nbformat_minor: 5; metadata: object; cells: Cell[] } {
  const code = (source: string, tags?: string[]): Cell => codeCell(source, tags) as Cell;
  const result: Cell[] = [
    code('import numpy as np\nimport pandas as pd\nfrom sklearn.linear_model import Ridge', ['imports']),
    code(Array.from({ length: Math.ceil(cells / 50) }, (_, k) => helperSource(k)).join('\n\n\n'), ['functions'])
  ];
  for (let i = 0; i < cells - 2; i++) {
    const tags = i % 12 === 0 ? [`step:step_${i / 12}`] : undefined;
    result.push(code(cellSource(i, i === editedCell ? edit : 0), tags));
  }
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: result };
}

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
  const totalLines = bigNotebook.cells.reduce((n: number, c: Cell) => n + c.source.split('\n').length, 0);

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
