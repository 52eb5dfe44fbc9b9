/** Runs the real bundled CLI (`cellpipe analyze`) on corpus notebooks. */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { cliBundle, repoRoot as root, testPython } from '../testing/cliProcess';

/** The CLI bundled from this checkout (server/build.mjs, into a file of this test's own). */
let cli: string;
const corpus = join(root, 'src', 'core', '__fixtures__', 'notebooks');

function analyze(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, 'analyze', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  cli = cliBundle();
}, 120_000);

describe('cellpipe analyze', () => {
  test.each(['kale_titanic', 'housing_regression', 'parallel_branches'])('--json on %s prints one JSON object', name => {
    const { status, stdout } = analyze(join(corpus, `${name}.ipynb`), '--json');
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    const expected = JSON.parse(readFileSync(join(corpus, `${name}.expected.json`), 'utf8'));
    expect(Object.keys(report)).toEqual(['steps', 'parameters', 'metrics', 'diagnostics']);
    expect(report.steps).toEqual(expected.steps);
    expect(report.parameters).toEqual(expected.parameters);
    expect(report.metrics).toEqual(expected.metrics);
  });

  test("--packages pins each step's imports to the kernel's versions, and warns on what the kernel cannot import", () => {
    const version = (dist: string): string =>
      spawnSync(testPython, ['-c', `import importlib.metadata as m; print(m.version(${JSON.stringify(dist)}))`], { encoding: 'utf8' }).stdout.trim();
    const dir = mkdtempSync(join(tmpdir(), 'cellpipe-analyze-packages-'));
    const notebook = join(dir, 'nb.ipynb');
    const cell = (tags: string[], source: string) => ({ cell_type: 'code', metadata: { tags }, source, outputs: [], execution_count: null });
    writeFileSync(
      notebook,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          cell([], '%pip install tqdm==4.66.0'),
          cell(['step:a'], 'import jupyter_server\nx = 1'),
          cell(['step:b'], 'import no_such_module_xyz\nprint(x)')
        ]
      })
    );
    writeFileSync(join(dir, 'requirements.txt'), '# extra\nrequests>=2\n');
    const { status, stdout } = analyze(notebook, '--json', '--packages', '--python', testPython);
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    const pinned = [`cloudpickle==${version('cloudpickle')}`, `jupyter_server==${version('jupyter_server')}`];
    expect(report.steps.map((s: { name: string; packages: string[] }) => [s.name, s.packages])).toEqual([
      ['a', [...pinned, 'requests>=2', 'tqdm==4.66.0']],
      ['b', [...pinned, 'requests>=2', 'tqdm==4.66.0']]
    ]);
    expect(report.diagnostics).toContainEqual(expect.objectContaining({ code: 'module-not-installed', cell: 2, line: 1, severity: 'warning' }));
    const text = analyze(notebook, '--packages', '--python', testPython).stdout;
    expect(text).toContain(`  packages:     ${pinned.join(', ')}, requests>=2, tqdm==4.66.0`);
  });

  test('a readable report without --json', () => {
    const { status, stdout } = analyze(join(corpus, 'legacy_blocks.ipynb'));
    expect(status).toBe(0);
    expect(stdout).toContain('step "clean" (cells 5)');
    expect(stdout).toContain('inputs:       readings <- read');
    expect(stdout).toContain('no problems found');
  });

  test('exit code 1 when the notebook has errors, with cell, line and column', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cellpipe-analyze-'));
    const path = join(folder, 'broken.ipynb');
    const cell = (tags: string[], source: string) => ({ cell_type: 'code', metadata: { tags }, source, outputs: [], execution_count: null });
    writeFileSync(
      path,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [cell(['step:a'], 'x = 1\nprint(y)'), cell(['step:b', 'prev:nope'], 'print(x)')]
      })
    );
    const json = analyze(path, '--json');
    expect(json.status).toBe(1);
    expect(
      JSON.parse(json.stdout).diagnostics.map((d: { code: string; cell: number; line: number; column: number }) => [d.code, d.cell, d.line, d.column])
    ).toEqual([
      ['undefined-name', 0, 2, 7],
      ['unknown-prev', 1, 1, 1]
    ]);
    const text = analyze(path);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('cell 1, line 2:7: error undefined-name:');
  });

  test('exit code 1 for a file that is not a notebook', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cellpipe-analyze-'));
    const path = join(folder, 'bad.ipynb');
    writeFileSync(path, '{ not json');
    const { status, stdout } = analyze(path, '--json');
    expect(status).toBe(1);
    expect(JSON.parse(stdout).diagnostics[0].code).toBe('invalid-json');
  });

  test('exit code 2 and a clear message for a missing file', () => {
    const { status, stderr, stdout } = analyze(join(corpus, 'does-not-exist.ipynb'), '--json');
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('cannot read');
    expect(stderr).toContain('no such file');
  });

  test('exit code 2 for a missing argument', () => {
    expect(analyze().status).toBe(2);
  });
});
