/**
 * The start-up mechanism (entry/bundles.ts, entry/loadBundle.ts) on the real bundles: the
 * dispatcher sends `analyze` and `compile` to small bundles that say and do exactly what the full
 * one does, those bundles stay small, and V8's code cache is written, used, and survives damage.
 * (Timings are the start-up benchmark's business: `npm run bench -- startup`.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cliBundle, repoRoot as root } from '../../testing/cliProcess';
import { bundleFor, COMMAND_BUNDLES, FULL_BUNDLE } from './bundles';

let cli: string;
let full: string;
const notebook = join(root, 'src', 'core', '__fixtures__', 'notebooks', 'parallel_branches.ipynb');

function run(bundle: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bundle, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CELLPIPE_COMPILE_CACHE: '0', ...env }
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  cli = cliBundle();
  full = join(dirname(cli), FULL_BUNDLE);
}, 120_000);

describe('bundleFor', () => {
  test('the first argument alone chooses', () => {
    expect(bundleFor(['analyze', 'nb.ipynb'])).toBe('cellpipe-analyze.cjs');
    expect(bundleFor(['compile', '--target', 'argo'])).toBe('cellpipe-compile.cjs');
    expect(bundleFor(['run', 'analyze'])).toBe(FULL_BUNDLE);
    expect(bundleFor(['-h', 'analyze'])).toBe(FULL_BUNDLE);
    expect(bundleFor(['help', 'analyze'])).toBe(FULL_BUNDLE);
    expect(bundleFor(['toString'])).toBe(FULL_BUNDLE);
    expect(bundleFor([])).toBe(FULL_BUNDLE);
  });
});

describe('the dispatcher', () => {
  test('the build writes every bundle beside it', () => {
    for (const bundle of [FULL_BUNDLE, ...Object.values(COMMAND_BUNDLES)]) {
      expect(existsSync(join(dirname(cli), bundle))).toBe(true);
    }
  });

  test('every command says the same as from the full bundle: help, usage errors, exit codes', () => {
    const help = run(full, ['--help']);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+) /gm)].map(match => match[1]).filter(name => name !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['serve', 'analyze', 'compile', 'run', 'runs', 'status', 'logs', 'cancel', 'retry']));
    const cases = [
      [],
      ['--help'],
      ['-V'],
      ['help', 'compile'],
      ['nope'],
      ...commands.map(command => [command, '--help']),
      ['analyze'],
      ['analyze', '--nope', notebook],
      ['analyze', notebook, 'extra'],
      ['analyze', join(root, 'no-such.ipynb')],
      ['compile'],
      ['compile', notebook, '--target', 'nope'],
      ['compile', notebook, '--targt', 'argo'],
      ['analyze', '--json', notebook],
      ['compile', notebook, '--target', 'argo', '--namespace', 'ns']
    ];
    // Through the code cache (written by the first runs, read by the later ones) and through `require`.
    const cache = { CELLPIPE_COMPILE_CACHE: mkdtempSync(join(tmpdir(), 'cellpipe-compile-cache-')) };
    for (const args of cases) {
      const expected = { args, ...run(full, args) };
      expect({ args, ...run(cli, args, cache) }).toEqual(expected);
      expect({ args, ...run(cli, args) }).toEqual(expected);
    }
  });

  test('analyze and compile bundles hold neither the service nor the backends', () => {
    // What server/build.mjs says each bundle holds: packages by name, this repository's files by path.
    const contents: Record<string, string[]> = JSON.parse(readFileSync(join(dirname(cli), 'cellpipe-bundles.json'), 'utf8'));
    const heavy = /^(fastify|@kubernetes\/client-node|undici|ws|pino|server\/src\/(backends|service)\/)/;
    expect(contents[COMMAND_BUNDLES.analyze].filter(held => heavy.test(held) || /^(yaml|ajv)$/.test(held))).toEqual([]);
    expect(contents[COMMAND_BUNDLES.compile].filter(held => heavy.test(held))).toEqual([]);
    // The pattern does find them where they are.
    expect(contents[FULL_BUNDLE].filter(held => heavy.test(held)).length).toBeGreaterThan(5);
  });
});

describe('the code cache', () => {
  test('written by the first run, used by the next, rewritten when damaged; never after help', () => {
    const cache = mkdtempSync(join(tmpdir(), 'cellpipe-compile-cache-'));
    const env = { CELLPIPE_COMPILE_CACHE: cache };
    const expected = run(full, ['analyze', '--json', notebook]);
    expect(expected.status).toBe(0);

    expect(run(cli, ['analyze', '--help'], env).status).toBe(0);
    expect(readdirSync(cache)).toEqual([]);

    expect(run(cli, ['analyze', '--json', notebook], env)).toEqual(expected);
    const files = readdirSync(cache);
    expect(files).toEqual([expect.stringMatching(/^cellpipe-analyze@[0-9a-f]{16}-v\d+\.\d+\.\d+-\w+\.v8$/)]);
    const written = readFileSync(join(cache, files[0]));
    expect(written.length).toBeGreaterThan(1000);

    expect(run(cli, ['analyze', '--json', notebook], env)).toEqual(expected);
    expect(readFileSync(join(cache, files[0]))).toEqual(written);

    writeFileSync(join(cache, files[0]), 'not a code cache');
    expect(run(cli, ['analyze', '--json', notebook], env)).toEqual(expected);
    expect(readFileSync(join(cache, files[0])).length).toBeGreaterThan(1000);
  });

  test('CELLPIPE_COMPILE_CACHE=0 and CELLPIPE_ANALYSIS_CACHE=0 write nothing', () => {
    const home = mkdtempSync(join(tmpdir(), 'cellpipe-home-'));
    const env = { CELLPIPE_COMPILE_CACHE: '0', CELLPIPE_ANALYSIS_CACHE: '0', HOME: home, XDG_CACHE_HOME: '' };
    const result = run(cli, ['analyze', '--json', notebook], env);
    expect(result.status).toBe(0);
    expect(readdirSync(home)).toEqual([]);
  });

  test("a notebook's cell facts are cached for the next command: the same report, from a file of the user's own", () => {
    const home = mkdtempSync(join(tmpdir(), 'cellpipe-home-'));
    const env = { CELLPIPE_COMPILE_CACHE: '0', HOME: home, XDG_CACHE_HOME: '' };
    const expected = run(cli, ['analyze', '--json', notebook], { ...env, CELLPIPE_ANALYSIS_CACHE: '0' });
    expect(run(cli, ['analyze', '--json', notebook], env)).toEqual(expected);
    const folder = join(home, '.cache', 'cellpipe', 'analysis');
    const [file] = readdirSync(folder);
    const written = readFileSync(join(folder, file), 'utf8');
    expect(JSON.parse(written).cells.length).toBeGreaterThan(0);
    expect(run(cli, ['analyze', '--json', notebook], env)).toEqual(expected);
    expect(run(cli, ['compile', notebook, '--target', 'argo'], env)).toEqual(
      run(full, ['compile', notebook, '--target', 'argo'], { ...env, CELLPIPE_ANALYSIS_CACHE: '0' })
    );
    expect(readFileSync(join(folder, file), 'utf8')).toEqual(written);
  });

  test('an unwritable cache folder costs nothing but the cache', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cellpipe-cache-')), 'a-file');
    writeFileSync(file, '');
    const result = run(cli, ['compile', notebook, '--target', 'argo'], { CELLPIPE_COMPILE_CACHE: join(file, 'below') });
    expect(result).toEqual(run(full, ['compile', notebook, '--target', 'argo']));
  });
});
