/**
 * Start-up benchmark: whole processes, as a user runs them (spawn to exit, output read through a
 * pipe), run round-robin so that a busy machine slows each alike; median and best of RUNS each.
 *
 *   node -e 0                                  Node's own start-up
 *   cellpipe analyze --json SMALL              a 3-cell notebook (analysis.ts' generator)
 *   cellpipe analyze --json LARGE              the 1,000-cell bench notebook
 *   cellpipe compile --target argo SMALL
 *   cellpipe runs                              a command of the full bundle (an empty run store)
 *   python -c 0, python -c 'ast.parse each cell of NB'   CPython's start-up, and its own parser
 *                                              over the same cells (reading the .ipynb included)
 *
 * cellpipe runs from the built jupyterlab_cellpipe/server/cellpipe.cjs ($CELLPIPE_CLI for another,
 * e.g. an older build: `CELLPIPE_CLI=/path/cellpipe.cjs npm run bench -- startup`) with its V8 code
 * cache and its cache of cell facts (server/src/app/analysisCache.ts) in folders of the
 * benchmark's own, warmed by one run: a notebook analysed before, as the sidebar, `compile` and
 * `run` see it. Also without the facts (the notebook's first analysis), with both caches off (the
 * bundle through `require`, about what a first run after an install costs) and as the full bundle
 * alone (what every command loaded before the split, minus its comments and whitespace).
 * Then the in-process figures for context: each parser's time over the cells of the large notebook,
 * and the whole analysis, in a fresh process (cold: what the CLI pays) and again (warm).
 * Targets (issue 14): small analyze < 1.5x `node -e 0`; large analyze < 3x the Python process.
 *
 * Python: $CELLPIPE_BENCH_PYTHON, else python3 (the interpreter itself, not a pyenv shim).
 * Runs: $CELLPIPE_BENCH_STARTUP_RUNS (default 15).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parser } from '@lezer/python';
import { analyzeNotebook } from '../../src/core/analysis';
import { generateNotebook } from '../../src/core/__fixtures__/generatedNotebook';

const root = resolve(__dirname, '..', '..');

/** ast.parse of every code cell of the notebook argv[1]; prints the in-process milliseconds. */
const PYTHON_PARSE = [
  'import ast, json, sys, time',
  'start = time.perf_counter()',
  'with open(sys.argv[1], encoding="utf-8") as f: cells = json.load(f)["cells"]',
  'sources = [c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in cells if c["cell_type"] == "code"]',
  'read = time.perf_counter()',
  'for s in sources: ast.parse(s)',
  'done = time.perf_counter()',
  'print(json.dumps({"read": (read - start) * 1e3, "parse": (done - read) * 1e3}))'
].join('\n');

export interface Case {
  label: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Working folder (default: this process's). */
  cwd?: string;
}

export interface Timing {
  median: number;
  best: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function runOnce(c: Case): number {
  const start = performance.now();
  const result = spawnSync(c.command, c.args, {
    env: c.env ?? process.env,
    cwd: c.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 30
  });
  const elapsed = performance.now() - start;
  if (result.status !== 0) {
    throw new Error(`${c.label} exited with ${result.status}: ${result.stderr?.toString().slice(0, 2000)}`);
  }
  return elapsed;
}

/** Each case RUNS times, round-robin, after one unmeasured run of each. */
export function timeAll(cases: Case[], runs: number): Map<Case, Timing> {
  const times = new Map<Case, number[]>(cases.map(c => [c, []]));
  cases.forEach(runOnce);
  for (let i = 0; i < runs; i++) {
    for (const c of cases) {
      times.get(c)!.push(runOnce(c));
    }
  }
  return new Map(cases.map(c => [c, { median: median(times.get(c)!), best: Math.min(...times.get(c)!) }]));
}

/** The interpreter `python3` names (a pyenv shim would add its own start-up to every run). */
function pythonExecutable(): string {
  const named = process.env.CELLPIPE_BENCH_PYTHON ?? 'python3';
  const found = spawnSync(named, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : named;
}

/**
 * In-process milliseconds over the notebook FILE, first call (cold: what a CLI process pays) then
 * second (warm): `parse` times @lezer/python over the cells, `analysis` the whole analysis. Run in a
 * fresh process (`bench.cjs --startup-in-process WHAT FILE`), one WHAT per process.
 */
export function inProcessTimes(what: string, file: string): { cold: number; warm: number } {
  const text = readFileSync(file, 'utf8');
  const sources = (JSON.parse(text).cells as { cell_type: string; source: string | string[] }[])
    .filter(c => c.cell_type === 'code')
    .map(c => (typeof c.source === 'string' ? c.source : c.source.join('')));
  const run = what === 'parse' ? () => sources.forEach(s => parser.parse(s)) : () => analyzeNotebook(text);
  const time = (): number => {
    const start = performance.now();
    run();
    return performance.now() - start;
  };
  const cold = time();
  return { cold, warm: time() };
}

const ms = (t: number): string => `${t.toFixed(1).padStart(7)} ms`;

export function runStartupBenchmark(runs = Number(process.env.CELLPIPE_BENCH_STARTUP_RUNS ?? 15)): string[] {
  const cli = resolve(process.env.CELLPIPE_CLI ?? join(root, 'jupyterlab_cellpipe', 'server', 'cellpipe.cjs'));
  if (!existsSync(cli)) {
    return [`start-up: no CLI at ${cli} (node server/build.mjs builds it)`];
  }
  const full = join(dirname(cli), 'cellpipe-full.cjs');
  const dir = mkdtempSync(join(tmpdir(), 'cellpipe-bench-startup-'));
  try {
    const small = join(dir, 'small.ipynb');
    const large = join(dir, 'large.ipynb');
    writeFileSync(small, JSON.stringify(generateNotebook(3)));
    writeFileSync(large, JSON.stringify(generateNotebook(1000)));
    const python = pythonExecutable();
    const node = process.execPath;
    // The code cache and the cell facts cache in folders of the benchmark's own, both warmed by
    // the first (untimed) run of each case; `firstAnalysis`: the notebook never analysed before.
    const cached = { ...process.env, CELLPIPE_COMPILE_CACHE: join(dir, 'compile-cache'), XDG_CACHE_HOME: join(dir, 'cache') };
    const firstAnalysis = { ...cached, CELLPIPE_ANALYSIS_CACHE: '0' };
    const uncached = { ...process.env, CELLPIPE_COMPILE_CACHE: '0', CELLPIPE_ANALYSIS_CACHE: '0' };

    const nodeBare: Case = { label: 'node -e 0', command: node, args: ['-e', '0'] };
    const pythonBare: Case = { label: 'python -c 0', command: python, args: ['-c', '0'] };
    const analyze = (nb: string, env: NodeJS.ProcessEnv, bundle = cli): Case => ({
      label: `analyze ${nb}`,
      command: node,
      args: [bundle, 'analyze', '--json', nb],
      env
    });
    const smallAnalyze = analyze(small, cached);
    const largeAnalyze = analyze(large, cached);
    const smallFirst = analyze(small, firstAnalysis);
    const largeFirst = analyze(large, firstAnalysis);
    const smallUncached = analyze(small, uncached);
    const largeUncached = analyze(large, uncached);
    const smallFull = existsSync(full) ? analyze(small, uncached, full) : undefined;
    const largeFull = existsSync(full) ? analyze(large, uncached, full) : undefined;
    const compile: Case = { label: 'compile', command: node, args: [cli, 'compile', '--target', 'argo', small], env: cached };
    const compileUncached: Case = { ...compile, env: uncached };
    // A command of the full bundle, for context: the run store's listing (an empty store).
    mkdirSync(join(dir, 'home'));
    const listRuns: Case = { label: 'runs', command: node, args: [cli, 'runs'], env: { ...cached, CELLPIPE_HOME: join(dir, 'home') } };
    const smallParse: Case = { label: 'ast small', command: python, args: ['-c', PYTHON_PARSE, small] };
    const largeParse: Case = { label: 'ast large', command: python, args: ['-c', PYTHON_PARSE, large] };

    const cases = [
      nodeBare,
      pythonBare,
      smallAnalyze,
      smallFirst,
      smallUncached,
      ...(smallFull ? [smallFull] : []),
      compile,
      compileUncached,
      listRuns,
      smallParse,
      largeAnalyze,
      largeFirst,
      largeUncached,
      ...(largeFull ? [largeFull] : []),
      largeParse
    ];
    const t = timeAll(cases, runs);
    const get = (c: Case): Timing => t.get(c)!;
    const ratio = (a: Case, b: Case): string => `${(get(a).median / get(b).median).toFixed(2)}x (best ${(get(a).best / get(b).best).toFixed(2)}x)`;
    const row = (label: string, c: Case, extra = ''): string => `  ${label.padEnd(44)}${ms(get(c).median)} median ${ms(get(c).best)} best${extra}`;

    const pyInProcess = (nb: string): { read: number; parse: number } =>
      JSON.parse(spawnSync(python, ['-c', PYTHON_PARSE, nb], { encoding: 'utf8' }).stdout);
    const nodeInProcess = (what: string, nb: string): { cold: number; warm: number } =>
      JSON.parse(spawnSync(node, [process.argv[1], '--startup-in-process', what, nb], { encoding: 'utf8' }).stdout);
    const pyLarge = pyInProcess(large);
    const pySmall = pyInProcess(small);
    const [parseLarge, analysisLarge, parseSmall, analysisSmall] = [
      nodeInProcess('parse', large),
      nodeInProcess('analysis', large),
      nodeInProcess('parse', small),
      nodeInProcess('analysis', small)
    ];
    const kb = (file: string): string => `${(statSync(file).size / 1024).toFixed(0)} KB`;
    const bundles = ['cellpipe.cjs', 'cellpipe-analyze.cjs', 'cellpipe-compile.cjs', 'cellpipe-full.cjs']
      .filter(name => existsSync(join(dirname(cli), name)))
      .map(name => `${name} ${kb(join(dirname(cli), name))}`)
      .join(', ');

    return [
      `start-up: whole processes, median and best of ${runs} (${node} ${process.version}; ${python})`,
      `  bundles: ${bundles}`,
      row('node -e 0', nodeBare),
      row('python -c 0', pythonBare),
      '  3-cell notebook',
      row('cellpipe analyze --json (analysed before)', smallAnalyze, `   ${ratio(smallAnalyze, nodeBare)} node -e 0, target < 1.5x`),
      row('  first analysis of the notebook', smallFirst, `   ${ratio(smallFirst, nodeBare)}`),
      row('  that, with the code cache off', smallUncached, `   ${ratio(smallUncached, nodeBare)}`),
      ...(smallFull ? [row('  the full bundle alone (as before)', smallFull, `   ${ratio(smallFull, nodeBare)}`)] : []),
      row('cellpipe compile --target argo', compile, `   ${ratio(compile, nodeBare)} node -e 0`),
      row('  with the code cache off', compileUncached, `   ${ratio(compileUncached, nodeBare)}`),
      row('cellpipe runs (the full bundle)', listRuns, `   ${ratio(listRuns, nodeBare)} node -e 0`),
      row('python: ast.parse of the cells', smallParse),
      '  1,000-cell notebook',
      row('cellpipe analyze --json (analysed before)', largeAnalyze, `   ${ratio(largeAnalyze, largeParse)} python ast.parse, target < 3x`),
      row('  first analysis of the notebook', largeFirst, `   ${ratio(largeFirst, largeParse)}`),
      row('  that, with the code cache off', largeUncached, `   ${ratio(largeUncached, largeParse)}`),
      ...(largeFull ? [row('  the full bundle alone (as before)', largeFull, `   ${ratio(largeFull, largeParse)}`)] : []),
      row('python: ast.parse of the cells', largeParse),
      '  in-process, for context (cold = first call in a fresh process, warm = second):',
      `    1,000 cells: ast.parse ${pyLarge.parse.toFixed(1)} ms (+ ${pyLarge.read.toFixed(1)} ms reading the .ipynb); ` +
        `@lezer/python ${parseLarge.cold.toFixed(1)} ms cold, ${parseLarge.warm.toFixed(1)} ms warm; ` +
        `whole analysis ${analysisLarge.cold.toFixed(1)} ms cold, ${analysisLarge.warm.toFixed(1)} ms warm`,
      `    3 cells:     ast.parse ${pySmall.parse.toFixed(2)} ms; @lezer/python ${parseSmall.cold.toFixed(2)} ms cold; ` +
        `whole analysis ${analysisSmall.cold.toFixed(2)} ms cold`
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
