/**
 * Serves the model a `serve:` step left (docs/distributed-and-serving.md) on this machine: KServe's
 * own ModelServer (`serve_model.py`, the `kserve` package) on loopback, from the folder the
 * runtime saved in KServe's layout; asks it about the sample the step left, and says whether it
 * answers what the notebook's own `model.predict` said. The server outlives the run (a served
 * model is there to be used); serving the same name again replaces it.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { SERVE_FILE } from '../../../../src/core/compile/runtime/contract';
import type { ServedModelState } from '../../../../src/core/run/types';
import { cacheHome } from '../../cacheHome';
import { CellpipeError } from '../../errors';
import { stepEnvironment } from '../../stepEnvironment';
import { isSameProcess, processStartTime } from './processIdentity';
import { killGroup } from './stepProcess';
import { freePort } from './torchrunEnvironment';
import serveModelSource from './serve_model.py';

/** What the runtime's cellpipe_serve.py leaves in the step's folder (SERVE_FILE). */
export interface ServeDocument {
  name: string;
  version: string;
  /** The model's folder (model.joblib). */
  path: string;
  framework: 'sklearn';
  /** scikit-learn's version where the model was made: the server's must be the same to load it. */
  sklearn: string;
  instances: unknown[] | null;
  predictions: unknown[] | null;
}

/** How long a model server may take to answer that its model is ready (imports, loading the model). */
export const READY_TIMEOUT_MS = 120_000;

export function readServeDocument(stepFolder: string): ServeDocument {
  return JSON.parse(readFileSync(join(stepFolder, SERVE_FILE), 'utf8')) as ServeDocument;
}

/**
 * A Python with `kserve` and the scikit-learn the model was made with: CELLPIPE_SERVING_PYTHON,
 * else a venv of `python` under cellpipe's cache home, made once per scikit-learn version (pip,
 * from the machine's package index).
 */
export async function servingPython(python: string, sklearn: string): Promise<string> {
  const given = process.env.CELLPIPE_SERVING_PYTHON;
  if (given) {
    return given;
  }
  const venv = join(cacheHome(), 'serving', `kserve-sklearn-${sklearn.replace(/[^0-9A-Za-z.]/g, '_')}`);
  const installed = join(venv, 'bin', 'python');
  if (existsSync(installed)) {
    return installed;
  }
  const building = `${venv}.tmp-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(join(venv, '..'), { recursive: true });
  for (const args of [
    [python, '-m', 'venv', building],
    [join(building, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', 'kserve', `scikit-learn==${sklearn}`]
  ]) {
    try {
      await promisify(execFile)(args[0], args.slice(1), { env: stepEnvironment(), maxBuffer: 16 << 20 });
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      const stderr = (error as { stderr?: string }).stderr || (error as Error).message;
      throw new CellpipeError(
        'unavailable',
        `cannot install KServe's model server (${args.slice(1, 4).join(' ')}...): ${stderr.trim().slice(-800)}. ` +
          'Set CELLPIPE_SERVING_PYTHON to a Python with kserve and scikit-learn installed.'
      );
    }
  }
  renameSync(building, venv);
  return installed;
}

/** Where the server of a served name keeps its process id, URL and log. */
function serverFiles(modelsDir: string, name: string): { record: string; log: string; script: string } {
  const folder = join(modelsDir, name);
  return { record: join(folder, 'server.json'), log: join(folder, 'server.log'), script: join(folder, 'serve_model.py') };
}

/** A served model's server as recorded: its URL, the version it serves, whether it still runs. */
export interface ServedModelListing {
  name: string;
  url: string;
  version: string;
  running: boolean;
}

/** The models this machine's runs served, by name. */
export function listServedModels(modelsDir: string): ServedModelListing[] {
  if (!existsSync(modelsDir)) {
    return [];
  }
  return readdirSync(modelsDir)
    .sort()
    .flatMap(name => {
      try {
        const { pid, startTime, url, version } = JSON.parse(readFileSync(serverFiles(modelsDir, name).record, 'utf8'));
        return [{ name, url, version, running: isSameProcess(pid, startTime) }];
      } catch {
        return [];
      }
    });
}

/** Stops the server of `name` started earlier, if it still runs (and is provably the one started). */
export function stopModelServer(modelsDir: string, name: string): boolean {
  const { record } = serverFiles(modelsDir, name);
  try {
    const { pid, startTime } = JSON.parse(readFileSync(record, 'utf8')) as { pid: number; startTime?: string };
    rmSync(record, { force: true });
    if (isSameProcess(pid, startTime)) {
      killGroup(pid, 'SIGTERM');
      return true;
    }
  } catch {
    // none recorded
  }
  return false;
}

async function answer(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

/**
 * Starts KServe's model server for the model of `document` with `python` (servingPython), waits
 * until it says the model is ready, and sends it the step's sample (v1 `:predict`).
 */
export async function serveModel(document: ServeDocument, modelsDir: string, python: string): Promise<ServedModelState> {
  const { name } = document;
  const files = serverFiles(modelsDir, name);
  stopModelServer(modelsDir, name);
  mkdirSync(join(files.record, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(files.script, serveModelSource);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(files.log, 'w', 0o600);
  const child = spawn(python, [files.script, name, document.path, String(port)], {
    stdio: ['ignore', log, log],
    detached: true, // its own process group, which outlives the run
    env: stepEnvironment()
  });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    return { name, url, status: 'Failed', message: `cannot start ${python}` };
  }
  writeFileSync(files.record, JSON.stringify({ pid, startTime: processStartTime(pid), url, version: document.version }), { mode: 0o600 });
  let exited = false;
  child.once('exit', () => (exited = true));
  const failed = (why: string): ServedModelState => {
    const tail = existsSync(files.log) ? readFileSync(files.log, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    return { name, url, status: 'Failed', message: `${why}${tail ? `; its log ends with:\n${tail}` : ''} (log: ${files.log})` };
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      return failed('the model server stopped before the model was ready');
    }
    try {
      const ready = await answer(`${url}/v1/models/${name}`);
      if (ready.status === 200) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopModelServer(modelsDir, name);
      return failed(`the model was not ready after ${READY_TIMEOUT_MS / 1000} s`);
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  if (document.instances === null) {
    return { name, url, status: 'Ready' };
  }
  const reply = await answer(`${url}/v1/models/${name}:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: document.instances })
  });
  const predictions = (reply.body as { predictions?: unknown[] })?.predictions;
  const prediction = { instances: document.instances, predictions: predictions ?? [], expected: document.predictions ?? [] };
  if (reply.status !== 200 || !Array.isArray(predictions)) {
    return { ...failed(`the model server answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`), prediction };
  }
  if (!isDeepStrictEqual(predictions, document.predictions)) {
    return { name, url, status: 'Failed', message: "the served model's predictions differ from the notebook's model.predict", prediction };
  }
  return { name, url, status: 'Ready', prediction };
}
