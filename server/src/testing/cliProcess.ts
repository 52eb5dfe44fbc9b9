/**
 * The real `cellpipe` CLI as a child process, for end-to-end specs. The CLI is bundled from the
 * current sources by server/build.mjs into a temporary file, so a spec tests this checkout and
 * never races another spec's (or the developer's) build of jupyterlab_cellpipe/server/cellpipe.cjs.
 * `CELLPIPE_CLI=path/to/cellpipe.cjs` tests an existing bundle instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..', '..');

/** The Python the specs run steps with: $CELLPIPE_TEST_PYTHON, the checkout's .venv, else python3. */
export const testPython: string =
  process.env.CELLPIPE_TEST_PYTHON ?? (existsSync(join(repoRoot, '.venv', 'bin', 'python')) ? join(repoRoot, '.venv', 'bin', 'python') : 'python3');

/** Whether `testPython` can import every module named. */
export function pythonHas(...modules: string[]): boolean {
  const check = `import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)`;
  return spawnSync(testPython, ['-c', check, ...modules]).status === 0;
}

let bundled: string | undefined;

/** Path of a CLI bundle built from the current sources (once per test file). */
export function cliBundle(): string {
  if (process.env.CELLPIPE_CLI) {
    return process.env.CELLPIPE_CLI;
  }
  if (!bundled) {
    const out = join(mkdtempSync(join(tmpdir(), 'cellpipe-cli-')), 'cellpipe.cjs');
    const built = spawnSync(process.execPath, [join(repoRoot, 'server', 'build.mjs'), '--cli', out], { cwd: repoRoot, encoding: 'utf8' });
    if (built.status !== 0) {
      throw new Error(`bundling the CLI failed:\n${built.stderr}`);
    }
    bundled = out;
  }
  return bundled;
}

export interface CliOptions {
  /** $CELLPIPE_HOME of the run store. */
  home: string;
  cwd?: string;
  env?: Record<string, string>;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `cellpipe ARGS...`; the caller waits with `finished`. */
export function startCli(args: string[], options: CliOptions): ChildProcess {
  return spawn(process.execPath, [cliBundle(), ...args], {
    cwd: options.cwd ?? options.home,
    env: { ...process.env, CELLPIPE_HOME: options.home, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
}

/** Collects a CLI process's output until it exits. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `cellpipe ARGS...` to its end. */
export function cli(args: string[], options: CliOptions): Promise<CliResult> {
  return finished(startCli(args, options));
}

/** `cellpipe run NOTEBOOK --json --python <test python> EXTRA...`, its summary parsed. */
export async function runNotebook(notebook: string, options: CliOptions & { extra?: string[] }): Promise<CliResult & { summary: RunSummary }> {
  const result = await cli(['run', notebook, '--json', '--python', testPython, ...(options.extra ?? [])], options);
  let summary: RunSummary;
  try {
    summary = JSON.parse(result.stdout);
  } catch {
    throw new Error(`cellpipe run printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { ...result, summary };
}

/** What `cellpipe run --json`, `retry --json` and `status --json` print. */
export interface RunSummary {
  runId: string;
  status: string;
  steps: { name: string; status: string; startedAt: string | null; finishedAt: string | null; cached: boolean }[];
  metrics: Record<string, number | null>;
  message?: string;
}
