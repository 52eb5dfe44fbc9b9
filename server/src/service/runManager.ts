import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import type { Notebook } from '../../../src/core/notebook';
import type { JsonValue, RunEvent, RunState } from '../../../src/core/run/types';
import { prepareForkServer } from '../backends/local/forkServer';
import { listKernelPythons, magicsProblem } from '../backends/local/python';
import { LocalBackend, observedState, runnerGone, type RunHandle } from '../backends/local/localBackend';
import { RunStore } from '../backends/local/runStore';
import { loadPipeline } from '../cli/notebookFile';
import { runParameters } from '../cli/parameters';
import { isRemoteBackend, startRemoteRun } from '../cli/remoteRun';
import { HttpError } from './httpError';
import { resolveNotebookPath } from './notebookPath';
import { toRunRequest } from './runRequest';

export interface StartRunInput {
  /** Notebook path relative to the Jupyter root. */
  path: unknown;
  /** Parameter values by name, overriding the notebook's defaults; read by the default's type. */
  parameters?: unknown;
  /** 'local' (default), 'kubernetes' (Argo Workflows, kubeconfig found the standard way) or 'kfp'. */
  backend?: unknown;
  /** kubernetes: namespace of the Workflow; empty means the kubeconfig context's. */
  namespace?: unknown;
  /** kubernetes, kfp: image of steps that name none. */
  image?: unknown;
  /** kfp: URL of the Kubeflow Pipelines API (the token comes from $KFP_TOKEN / $KFP_COOKIE). */
  kfpHost?: unknown;
  /** Interpreter of the steps; empty means the notebook kernel's (resolvePython). */
  python?: unknown;
  /** Steps run at once; 0 or absent means one per CPU core. */
  workers?: unknown;
}

/** One saved output of a step, as its manifest describes it. */
export interface OutputSummary {
  name: string;
  type: string | null;
  serializer: string | null;
  bytes: number | null;
}

const FINISHED = new Set(['Succeeded', 'Failed', 'Cancelled']);

export function isFinished(state: Pick<RunState, 'status'>): boolean {
  return FINISHED.has(state.status);
}

/**
 * The service's runs: starts local runs in this process, keeps their handles to cancel them, and
 * fans their RunEvents out to subscribers (the server-sent event streams). Everything about a run
 * lives in the RunStore, so runs started by the CLI are listed and readable too.
 */
export class RunManager {
  readonly store: RunStore;
  private readonly active = new Map<string, RunHandle>();
  private readonly events = new EventEmitter();
  private kernels: Promise<Map<string, string>> | undefined;
  private readonly relisted = new Set<string>();

  constructor(readonly root: string, home?: string) {
    this.store = new RunStore(home ?? process.env.CELLPIPE_HOME ?? join(root, '.cellpipe'));
    this.events.setMaxListeners(0);
  }

  /** Compiles the notebook from disk and starts it on its backend; resolves once it started. */
  async start(input: StartRunInput): Promise<RunState> {
    const backend = input.backend === undefined || input.backend === null || input.backend === '' ? 'local' : input.backend;
    if (backend !== 'local' && !(typeof backend === 'string' && isRemoteBackend(backend))) {
      throw new HttpError(400, `unknown backend '${String(backend)}': choose local, kubernetes or kfp`);
    }
    const notebook = resolveNotebookPath(this.root, input.path);
    const { notebook: parsed, pipeline } = loadPipeline(notebook.absolute, () => undefined);
    const parameters = runParameters(pipeline.parameters, parameterOverrides(input.parameters));
    if (backend !== 'local') {
      const handle = await startRemoteRun(backend, { ...pipeline, notebookPath: notebook.relative }, parameters, {
        store: this.store,
        namespace: optionalText(input.namespace),
        image: optionalText(input.image),
        kfpHost: optionalText(input.kfpHost),
        onEvent: event => this.events.emit(event.runId, event)
      });
      this.track(handle);
      return this.state(handle.runId);
    }
    const python = await this.python(parsed, input.python);
    const magics = magicsProblem(pipeline, python);
    if (magics) {
      throw new HttpError(422, magics);
    }
    const request = toRunRequest(pipeline, parameters, notebook.relative);
    const handle = await this.backend(python, dirname(notebook.absolute), workerCount(input.workers)).start(request);
    // The next run's steps start without waiting for a launcher, or for this notebook's libraries.
    prepareForkServer(
      python,
      request.steps.map(s => this.store.scriptPath(handle.runId, s.id))
    );
    this.track(handle);
    return this.state(handle.runId);
  }

  /**
   * Gets a local run of a notebook ready before it is asked for (the panel calls it when a notebook
   * becomes active): a step launcher for its Python with the libraries its steps import already
   * imported. Its step scripts are written under the run store's `prepared/` for the launcher to read.
   */
  async prepare(input: { path?: unknown; python?: unknown }): Promise<void> {
    const notebook = resolveNotebookPath(this.root, input.path);
    const { notebook: parsed, pipeline } = loadPipeline(notebook.absolute, () => undefined);
    const python = await this.python(parsed, input.python);
    const folder = join(this.store.home, 'prepared', createHash('sha256').update(notebook.relative).digest('hex').slice(0, 16));
    mkdirSync(folder, { recursive: true });
    const scripts = toRunRequest(pipeline, {}).steps.map(step => {
      const script = join(folder, `${step.id}.py`);
      writeFileSync(script, step.script);
      return script;
    });
    prepareForkServer(python, scripts);
  }

  async retry(runId: string): Promise<RunState> {
    const saved = this.state(runId);
    const backend = this.backend(saved.python ?? 'python3', saved.cwd ?? this.root, cpus().length);
    let handle: RunHandle;
    try {
      handle = await backend.retry(runId);
    } catch (error) {
      throw new HttpError(409, (error as Error).message);
    }
    this.track(handle);
    return this.state(runId);
  }

  /** Cancels a run of this process directly, a run of another process (the CLI) by its marker. */
  cancel(runId: string): RunState {
    const state = this.state(runId);
    const handle = this.active.get(runId);
    if (handle) {
      handle.cancel();
    } else if (isFinished(state) || runnerGone(state)) {
      throw new HttpError(409, `run ${runId} is ${state.status}: nothing to cancel`);
    } else {
      writeFileSync(this.store.cancelMarker(runId), new Date().toISOString());
    }
    return state;
  }

  state(runId: string): RunState {
    let exists: boolean;
    try {
      exists = this.store.exists(runId);
    } catch (error) {
      throw new HttpError(400, (error as Error).message);
    }
    if (!exists) {
      throw new HttpError(404, `no run '${runId}'`);
    }
    return observedState(this.store.load(runId));
  }

  /** The runs of one notebook (path relative to the root), newest first. */
  history(path: unknown): RunState[] {
    if (typeof path !== 'string' || path === '') {
      throw new HttpError(400, "give the notebook as '?path=' (relative to the Jupyter root)");
    }
    return this.store
      .loadAll()
      .filter(state => state.notebookPath === path)
      .map(observedState);
  }

  log(runId: string, stepId: string): string {
    const path = this.store.logPath(runId, this.step(runId, stepId));
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  outputs(runId: string, stepId: string): OutputSummary[] {
    const dir = join(this.store.dataDir(runId), this.step(runId, stepId));
    if (!existsSync(dir)) {
      return [];
    }
    return readdirSync(dir)
      .filter(file => file.endsWith('.json') && !file.startsWith('.'))
      .sort()
      .flatMap(file => {
        try {
          const manifest = JSON.parse(readFileSync(join(dir, file), 'utf8'));
          return [
            {
              name: file.slice(0, -'.json'.length),
              type: typeof manifest.type === 'string' ? manifest.type : null,
              serializer: typeof manifest.serializer === 'string' ? manifest.serializer : null,
              bytes: typeof manifest.size === 'number' ? manifest.size : null
            }
          ];
        } catch {
          return []; // a manifest being written
        }
      });
  }

  /** Calls `listener` with every event of the run until the returned function is called. */
  subscribe(runId: string, listener: (event: RunEvent) => void): () => void {
    this.events.on(runId, listener);
    return () => this.events.off(runId, listener);
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Waits for the runs this process started (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.active.values()].map(h => h.done.catch(() => undefined)));
  }

  cancelAll(): void {
    for (const handle of this.active.values()) {
      handle.cancel();
    }
  }

  private step(runId: string, stepId: string): string {
    const state = this.state(runId);
    if (!state.steps.some(s => s.id === stepId)) {
      throw new HttpError(404, `run ${runId} has no step '${stepId}'`);
    }
    return stepId;
  }

  private backend(python: string, cwd: string, workers: number): LocalBackend {
    return new LocalBackend({
      store: this.store,
      python,
      workers,
      cwd,
      onEvent: event => this.events.emit(event.runId, event)
    });
  }

  private track(handle: RunHandle): void {
    this.active.set(handle.runId, handle);
    void handle.done
      .catch(() => undefined)
      .then(() => this.active.delete(handle.runId));
  }

  /**
   * Lists the kernels, and starts a step launcher for the default kernel's Python, before the
   * first run asks for them (the service calls it once it listens).
   */
  warmUp(): void {
    void this.kernelPythons().then(kernels => {
      const python = kernels.get('python3');
      if (python) {
        prepareForkServer(python);
      }
    });
  }

  /** `jupyter kernelspec list` is slow: listed once, and again once for each kernel name it lacked. */
  private kernelPythons(refresh = false): Promise<Map<string, string>> {
    if (!this.kernels || refresh) {
      this.kernels = listKernelPythons();
    }
    return this.kernels;
  }

  /** The Python asked for (a request's `python`, when it says one), else the notebook kernel's. */
  private async python(notebook: Notebook, requested: unknown): Promise<string> {
    if (typeof requested === 'string' && requested.trim()) {
      return requested.trim();
    }
    const kernel = (notebook.metadata.kernelspec as { name?: unknown } | undefined)?.name;
    if (typeof kernel !== 'string' || !kernel) {
      return 'python3';
    }
    let python = (await this.kernelPythons()).get(kernel);
    if (!python && !this.relisted.has(kernel)) {
      this.relisted.add(kernel); // installed since the service started?
      python = (await this.kernelPythons(true)).get(kernel);
    }
    return python ?? 'python3';
  }
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function workerCount(value: unknown): number {
  if (value === undefined || value === null || value === 0) {
    return cpus().length;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new HttpError(400, `'workers' must be a whole number (0: one per CPU core), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `{name: value}` from the UI as the CLI's `NAME=VALUE` overrides, so both read values alike. */
function parameterOverrides(parameters: unknown): string[] {
  if (parameters === undefined || parameters === null) {
    return [];
  }
  if (typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw new HttpError(400, "'parameters' must be an object of parameter values by name");
  }
  return Object.entries(parameters as Record<string, JsonValue>).map(
    ([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`
  );
}
