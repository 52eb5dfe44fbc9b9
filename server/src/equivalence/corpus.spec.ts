/**
 * Execution equivalence over the notebook corpus (src/core/__fixtures__/notebooks) and the
 * examples: each step's `cellpipe logs` equals what its cells print under Run All. Real processes:
 * the CLI bundled from this checkout, the checkout's Python (see cliProcess.ts).
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pythonHas, repoRoot } from '../testing/cliProcess';
import { corpusCases as cases } from './corpusCases';
import { comparableLogs, compareRuns } from './equivalence';

const fixtures = join(repoRoot, 'src', 'core', '__fixtures__', 'notebooks');
const notebooks = [
  ...readdirSync(fixtures)
    .filter(n => n.endsWith('.ipynb'))
    .map(n => join(fixtures, n)),
  ...readdirSync(join(repoRoot, 'examples'))
    .filter(n => n.endsWith('.ipynb'))
    .map(n => join(repoRoot, 'examples', n))
];

describe('a pipeline run prints, step by step, what Run All prints', () => {
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
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      120_000
    );
  }
});
