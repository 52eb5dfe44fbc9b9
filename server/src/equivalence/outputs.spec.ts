/**
 * The outputs oracle (issue 12): for every notebook of the corpus and the examples whose output is
 * deterministic, the executed notebook of a pipeline run (`cellpipe outputs RUN -o FILE`) has, cell
 * by cell, the outputs that Run All in a real Jupyter kernel gives (`jupyter nbconvert --execute`
 * in the same Python): see outputComparison.ts for what "the same" means. Differences that remain
 * by design are declared per notebook (corpusCases.ts, `outputDifferences`, each with its reason),
 * and must be exactly those.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cli, pythonHas, repoRoot, runNotebook } from '../testing/cliProcess';
import { corpusCases as cases } from './corpusCases';
import { runAllInKernel } from './kernelRunAll';
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

type NotebookJson = { cells: Array<Record<string, unknown>> };

describe('a pipeline run shows, cell by cell, what Run All in a Jupyter kernel shows', () => {
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
        const dir = mkdtempSync(join(tmpdir(), 'cellpipe-outputs-eq-'));
        const home = mkdtempSync(join(tmpdir(), 'cellpipe-home-'));
        try {
          const notebook = join(dir, name);
          copyFileSync(source, notebook);
          c.setup?.(dir);
          const params = c.params?.(dir) ?? [];
          const [reference, run] = await Promise.all([
            runAllInKernel(notebook, params),
            runNotebook(notebook, { home, cwd: dir, extra: params.flatMap(p => ['--param', p]) })
          ]);
          expect({ status: run.summary.status, code: run.code }).toEqual({ status: 'Succeeded', code: 0 });
          const file = join(home, 'executed.ipynb');
          const written = await cli(['outputs', run.summary.runId, '-o', file], { home, cwd: dir });
          expect(written.code).toBe(0);
          const executed = JSON.parse(readFileSync(file, 'utf8')) as NotebookJson;

          // Every cell the kernel shows something for is a cell the pipeline ran, or a declared difference.
          const ran = executed.cells.flatMap((cell, index) => (cell.execution_count !== null && cell.cell_type === 'code' ? [index] : []));
          const shownByKernel = reference.cells.flatMap((cell, index) => ((cell.outputs as unknown[] | undefined)?.length ? [index] : []));
          const cells = [...new Set([...ran, ...shownByKernel])].sort((a, b) => a - b);
          const differences = compareCellOutputs(reference, executed, cells).map(d => `cell ${d.cell}: ${d.what}`);
          const declared = Object.keys(c.outputDifferences ?? {}).map(Number);
          expect(differences.filter(d => !declared.includes(Number(/^cell (\d+)/.exec(d)![1])))).toEqual([]);
          // A declared difference that no longer shows must be removed from corpusCases.ts.
          expect(declared.filter(cell => !differences.some(d => d.startsWith(`cell ${cell}:`)))).toEqual([]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
          rmSync(home, { recursive: true, force: true });
        }
      },
      300_000
    );
  }
});
