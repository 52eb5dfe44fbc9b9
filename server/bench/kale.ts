/**
 * Against Kale 2.3: whole-process compiles of the same notebooks, as a user runs them (spawn to
 * exit), round-robin, median of RUNS each.
 *
 *   kale --nb NB                               Kale 2.3.0's CLI without a cluster: the KFP DSL script
 *                                              and its compiled KFP package, in `.kale/` of its
 *                                              working folder (the notebook's)
 *   cellpipe compile NB --target kfp -o FILE   the KFP v2 IR, with its code cache and its caches of
 *                                              cell facts and of the machine's Python (kernels,
 *                                              installed packages) warmed by one run, as a notebook
 *                                              compiled before
 *   ... with every cache off                   the first compile after an install
 *
 * over every notebook of Kale 2.3.0's examples and tests that both compile
 * (src/core/__fixtures__/kale-2.3) and the 1,000-cell bench notebook (Kale-tagged: `imports`,
 * `functions`, `step:`). Kale runs from a venv of its own, `<cellpipe cache home>/bench/kale-2.3.0`
 * (`pip install kubeflow-kale==2.3.0`, made once, reused; Kale needs Python 3.11+:
 * $CELLPIPE_BENCH_PYTHON, else the checkout's .venv, else python3). `node -e 0` is the floor of any
 * Node process, for context. Target (issue 18): cellpipe >= 50x faster.
 *
 * cellpipe: the built jupyterlab_cellpipe/server/cellpipe.cjs ($CELLPIPE_CLI for another).
 * Runs: $CELLPIPE_BENCH_KALE_RUNS (default 3).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { cacheHome } from '../src/cacheHome';
import { generateNotebook } from '../../src/core/__fixtures__/generatedNotebook';
import { timeAll, type Case } from './startup';

const root = resolve(__dirname, '..', '..');
const KALE = 'kubeflow-kale==2.3.0';
const KALE_NOTEBOOKS = join(root, 'src', 'core', '__fixtures__', 'kale-2.3');

function benchPython(): string {
  const venv = join(root, '.venv', 'bin', 'python');
  return process.env.CELLPIPE_BENCH_PYTHON ?? (existsSync(venv) ? venv : 'python3');
}

/** Kale's CLI in its venv (made once), or why there is none. */
function kaleCommand(): { kale: string } | { skipped: string } {
  const venv = join(cacheHome(), 'bench', 'kale-2.3.0');
  const kale = join(venv, 'bin', 'kale');
  if (existsSync(kale)) {
    return { kale };
  }
  const python = benchPython();
  const version = spawnSync(python, ['-c', 'import sys; print(sys.version_info >= (3, 11))'], { encoding: 'utf8' });
  if (version.stdout.trim() !== 'True') {
    return { skipped: `Kale 2.3 needs Python 3.11+, ${python} is older (set CELLPIPE_BENCH_PYTHON)` };
  }
  process.stderr.write(`kale: installing ${KALE} into ${venv} (once)\n`);
  mkdirSync(join(venv, '..'), { recursive: true });
  for (const args of [
    [python, '-m', 'venv', venv],
    [join(venv, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', KALE]
  ]) {
    const step = spawnSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (step.status !== 0) {
      rmSync(venv, { recursive: true, force: true });
      return { skipped: `could not install ${KALE}: ${step.stderr.trim().split('\n').pop()}` };
    }
  }
  return { kale };
}

interface Notebook {
  label: string;
  path: string;
}

/** Each notebook in a folder of its own (Kale writes `.kale/` beside it). */
function notebooks(dir: string): Notebook[] {
  const place = (label: string, write: (path: string) => void): Notebook => {
    mkdirSync(join(dir, label));
    const path = join(dir, label, `${label}.ipynb`);
    write(path);
    return { label, path };
  };
  return [
    ...readdirSync(KALE_NOTEBOOKS)
      .filter(name => name.endsWith('.ipynb'))
      .sort()
      .map(name => place(basename(name, '.ipynb'), path => copyFileSync(join(KALE_NOTEBOOKS, name), path))),
    place('bench-1000-cells', path => writeFileSync(path, JSON.stringify(generateNotebook(1000))))
  ];
}

const ms = (t: number): string => `${t.toFixed(0).padStart(6)} ms`;
const times = (a: number, b: number): string => `${(a / b).toFixed(1).padStart(6)}x`;

export function runKaleBenchmark(runs = Number(process.env.CELLPIPE_BENCH_KALE_RUNS ?? 3)): string[] {
  const cli = resolve(process.env.CELLPIPE_CLI ?? join(root, 'jupyterlab_cellpipe', 'server', 'cellpipe.cjs'));
  if (!existsSync(cli)) {
    return [`kale: no CLI at ${cli} (node server/build.mjs builds it)`];
  }
  const found = kaleCommand();
  if ('skipped' in found) {
    return [`kale: skipped: ${found.skipped}`];
  }
  const dir = mkdtempSync(join(tmpdir(), 'cellpipe-bench-kale-'));
  try {
    // cellpipe's caches in folders of the benchmark's own: warmed by the first (untimed) run, or off.
    const warm = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
    const cold = { ...process.env, CELLPIPE_COMPILE_CACHE: '0', CELLPIPE_ANALYSIS_CACHE: '0', CELLPIPE_MACHINE_CACHE: '0' };
    const node = process.execPath;
    const rows = notebooks(dir).map(nb => {
      const cellpipe = (env: NodeJS.ProcessEnv, label: string): Case => ({
        label: `${label} ${nb.label}`,
        command: node,
        args: [cli, 'compile', nb.path, '--target', 'kfp', '-o', join(dir, `${nb.label}.${label}.yaml`)],
        env
      });
      return {
        nb,
        // Kale writes its DSL script and package into `.kale/` of its working folder.
        kale: { label: `kale ${nb.label}`, command: found.kale, args: ['--nb', nb.path], cwd: dirname(nb.path) } as Case,
        cellpipe: cellpipe(warm, 'cellpipe'),
        first: cellpipe(cold, 'first')
      };
    });
    // Only the notebooks both compile (Kale refuses some, cellpipe others: kale-2.3/expected.json).
    const compiles = (c: Case): boolean => spawnSync(c.command, c.args, { env: c.env ?? process.env, cwd: c.cwd, stdio: 'ignore' }).status === 0;
    const both = rows.filter(row => compiles(row.kale) && compiles(row.cellpipe));
    const left = rows.filter(row => !both.includes(row)).map(row => row.nb.label);
    const nodeBare: Case = { label: 'node -e 0', command: node, args: ['-e', '0'] };
    const t = timeAll([nodeBare, ...both.flatMap(row => [row.kale, row.cellpipe, row.first])], runs);
    const median = (c: Case): number => t.get(c)!.median;

    const examples = both.filter(row => row.nb.label !== 'bench-1000-cells');
    const large = both.find(row => row.nb.label === 'bench-1000-cells');
    const sum = (cases: Case[]): number => cases.reduce((total, c) => total + median(c), 0);
    const ratios = examples.map(row => median(row.kale) / median(row.cellpipe)).sort((a, b) => a - b);
    const line = (label: string, kale: number, cellpipe: number, first: number): string =>
      `  ${label.padEnd(52)}${ms(kale)} ${ms(cellpipe)}${times(kale, cellpipe)} ${ms(first)}${times(kale, first)}`;
    return [
      `kale: whole-process compile to KFP, median of ${runs} (round-robin): Kale 2.3.0 (${found.kale}) against cellpipe (${cli})`,
      `  ${'notebook'.padEnd(52)}${'kale'.padStart(9)} ${'cellpipe'.padStart(9)}${'ratio'.padStart(7)} ${'no cache'.padStart(9)}${'ratio'.padStart(7)}`,
      ...both.map(row => line(row.nb.label, median(row.kale), median(row.cellpipe), median(row.first))),
      line(
        `Kale's examples (${examples.length}), medians summed`,
        sum(examples.map(r => r.kale)),
        sum(examples.map(r => r.cellpipe)),
        sum(examples.map(r => r.first))
      ),
      `  Kale's examples, ratio per notebook: min ${ratios[0]?.toFixed(1)}x, median ${ratios[Math.floor(ratios.length / 2)]?.toFixed(1)}x, max ${ratios[ratios.length - 1]?.toFixed(1)}x` +
        (large ? `; 1,000-cell notebook ${(median(large.kale) / median(large.cellpipe)).toFixed(1)}x` : '') +
        '; target >= 50x',
      `  node -e 0: ${median(nodeBare).toFixed(0)} ms (the floor of a Node process: Kale's median example over it is ${(
        median(examples[Math.floor(examples.length / 2)]?.kale ?? nodeBare) / median(nodeBare)
      ).toFixed(1)}x)`,
      ...(left.length ? [`  left out (Kale or cellpipe refuses them): ${left.join(', ')}`] : [])
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
