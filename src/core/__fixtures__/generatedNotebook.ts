/**
 * A generated data-science notebook of any size: an `imports` cell, a `functions` cell of helpers,
 * then cells of ten or so lines each reading names earlier cells bound, a step every 12 cells.
 * Used by the benchmarks (server/bench) and by specs that need a large realistic notebook.
 */
import { codeCell, type CodeCell } from './notebookBuilder';

export type GeneratedCell = CodeCell & { source: string };

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

/** A notebook of `cells` cells in all; with `edit`, code cell `editedCell` (counted after the two prelude cells) differs, to time re-analysis. */
export function generateNotebook(
  cells: number,
  edit = 0,
  editedCell = -1
): { nbformat: 4; nbformat_minor: 5; metadata: object; cells: GeneratedCell[] } {
  const code = (source: string, tags?: string[]): GeneratedCell => codeCell(source, tags) as GeneratedCell;
  const result: GeneratedCell[] = [
    code('import numpy as np\nimport pandas as pd\nfrom sklearn.linear_model import Ridge', ['imports']),
    code(Array.from({ length: Math.ceil(cells / 50) }, (_, k) => helperSource(k)).join('\n\n\n'), ['functions'])
  ];
  for (let i = 0; i < cells - 2; i++) {
    const tags = i % 12 === 0 ? [`step:step_${i / 12}`] : undefined;
    result.push(code(cellSource(i, i === editedCell ? edit : 0), tags));
  }
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: result };
}
