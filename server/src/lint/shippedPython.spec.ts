/**
 * The Python sources cellpipe bundles as text ship without comments and docstrings
 * (scripts/python-commentary.cjs, applied by the bundle and by Jest's transform alike): each
 * shipped text is checked against its source by Python's own tokenizer and parser
 * (shipped_python.py), which must find the same statements on the same lines and no comment.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { testPython } from '../testing/cliProcess';
import commentaryFixture from './__fixtures__/commentary.py';

const root = join(__dirname, '..', '..', '..');
const RUNTIME = 'src/core/compile/runtime/cellpipe_runtime.py';

/** Every Python source the code imports as text (what the bundle ships), by its path from the repository's root. */
function importedPython(): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== '__fixtures__') {
        walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        for (const [, imported] of readFileSync(path, 'utf8').matchAll(/from '(\.\.?\/[^']+\.py)'/g)) {
          found.add(relative(root, resolve(dir, imported)));
        }
      }
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'server', 'src'));
  return [...found].sort();
}

/** Each text shipped, through the same transform as the imports above, by its source file; and the fixture. */
const SHIPPED: Record<string, string> = Object.fromEntries(
  [...importedPython(), 'server/src/lint/__fixtures__/commentary.py'].map(name => [name, jest.requireActual<string>(join(root, name))])
);

/** What shipped_python.py finds wrong with these texts (shipped: by source file). */
function problems(shipped: Record<string, string>): string[] {
  const files = Object.entries(shipped).map(([name, text]) => ({ name, source: readFileSync(join(root, name), 'utf8'), shipped: text }));
  const run = spawnSync(testPython, [join(__dirname, 'shipped_python.py')], { input: JSON.stringify(files), encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as string[];
}

describe('Python shipped as text', () => {
  it('is each source without its comments and lone strings, every statement on its own line', () => {
    expect(Object.keys(SHIPPED)).toEqual(expect.arrayContaining([RUNTIME, 'server/src/backends/local/step_launcher.py']));
    expect(Object.keys(SHIPPED).length).toBeGreaterThanOrEqual(12);
    expect(problems(SHIPPED)).toEqual([]);
  });

  it('is smaller by its commentary (the runtime by about a third)', () => {
    const source = readFileSync(join(root, RUNTIME), 'utf8');
    expect(source).toContain('"""');
    expect(SHIPPED[RUNTIME]).not.toContain('"""');
    expect(SHIPPED[RUNTIME].length).toBeLessThan(source.length * 0.8);
  });

  it('keeps what only looks like commentary, and a statement in each block', () => {
    expect(commentaryFixture).toContain('"b": "# not a comment: a string",');
    expect(commentaryFixture).toContain('return table, f"{os.sep}"\n');
    expect(commentaryFixture).toContain('class OnlyADocstring:\n    pass\n');
    expect(commentaryFixture).toContain('def one_line(): pass\n');
    expect(commentaryFixture).toContain('"a lone string before a semicolon"; value = 2\n');
    expect(commentaryFixture).toContain('print(value,\n      2)\n');
  });

  it('is refused by the oracle when a statement moved, went, or a comment stayed', () => {
    const name = 'server/src/lint/__fixtures__/commentary.py';
    const moved = commentaryFixture.replace('\n\ndef documented', '\ndef documented');
    const gone = commentaryFixture.replace('    return a\n', '    pass\n');
    const commented = commentaryFixture.replace('import os\n', 'import os  # kept\n');
    expect(problems({ [name]: moved })).toEqual([
      `${name}: ${moved.split('\n').length - 1} lines shipped, ${commentaryFixture.split('\n').length - 1} in the source`,
      `${name}: the shipped code is not the source's (or not on the same lines)`
    ]);
    expect(problems({ [name]: gone })).toEqual([`${name}: the shipped code is not the source's (or not on the same lines)`]);
    expect(problems({ [name]: commented })).toEqual([`${name}: a comment is left on line 6: # kept`]);
  });
});
