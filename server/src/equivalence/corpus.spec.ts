/**
 * Execution equivalence over the notebook corpus (src/core/__fixtures__/notebooks) and the
 * examples, against Run All in a real Jupyter kernel (`jupyter nbconvert --execute` in the same
 * Python, kernelRunAll.ts). Each notebook runs once each way, and:
 * - each step's `cellpipe logs` is what its cells print under Run All;
 * - the executed notebook of the run (`cellpipe outputs RUN -o`) has, cell by cell, the outputs
 *   Run All shows (outputComparison.ts says what "the same" means). Differences that remain by
 *   design are declared per notebook (corpusCases.ts `outputDifferences`, each with its reason),
 *   and must be exactly those.
 * Real processes: the CLI bundled from this checkout, the checkout's Python (see cliProcess.ts).
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pythonHas, repoRoot } from '../testing/cliProcess';
import { corpusCases as cases } from './corpusCases';
import { comparableLogs, compareRuns, metricsCells } from './equivalence';
import { compareCellOutputs } from './outputComparison';

const fixtures = join(repoRoot, 'src', 'core', '__fixtures__', 'notebooks');
const notebooks = [
  ...readdirSync(fixtures)
    .filter(n => n.endsWith('.ipynb'))
    .map(n => join(fixtures, n)),
  ...readdirSync(join(repoRoot, 'examples'))
    .filter(n => n.endsWith('.ipynb'))
    .map(n => join(repoRoot, 'examples', n))
];

describe('a pipeline run prints, step by step, and shows, cell by cell, what Run All in a Jupyter kernel does', () => {
  for (const source of notebooks) {
    const name = basename(source);
    const c = cases[name] ?? {};
    const missing = (c.needs ?? []).filter(m => !pythonHas(m));
    const why = c.skip ?? (missing.length ? `the test Python lacks ${missing.join(', ')}` : undefined);
    if (why) {
      it.skip(`${name} (skipped: ${why})`, () => undefined);
      continue;
    }
    it(
      name,
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'cellpipe-eq-'));
        try {
          const notebook = join(dir, name);
          copyFileSync(source, notebook);
          c.setup?.(dir);
          const params = c.params?.(dir) ?? [];
          const { reference, expected, pipeline } = await compareRuns(notebook, params, dir);
          expect(reference.error).toBeNull();
          expect({ status: pipeline.summary.status, code: pipeline.code }).toEqual({ status: 'Succeeded', code: 0 });
          expect(Object.fromEntries(pipeline.logs)).toEqual(comparableLogs(expected, pipeline.logs));

          // Every cell the kernel shows something for, or the pipeline ran, is compared; but the
          // `pipeline-metrics` cell, which a pipeline does not run (README): its names are the run's metrics.
          const metrics = metricsCells(notebook);
          const shown = (cells: Array<Record<string, unknown>>): number[] =>
            cells.flatMap((cell, index) => ((cell.outputs as unknown[] | undefined)?.length || cell.execution_count ? [index] : []));
          const cells = [...new Set([...shown(reference.notebook.cells), ...shown(pipeline.notebook.cells)])]
            .filter(cell => !metrics.has(cell))
            .sort((a, b) => a - b);
          const differences = compareCellOutputs(reference.notebook, pipeline.notebook, cells);
          const declared = new Set(Object.keys(c.outputDifferences ?? {}).map(Number));
          expect(differences.filter(d => !declared.has(d.cell))).toEqual([]);
          // A declared difference that no longer shows must be removed from corpusCases.ts.
          expect([...declared].filter(cell => !differences.some(d => d.cell === cell))).toEqual([]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      180_000
    );
  }
});
