import { EventEmitter } from 'node:events';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import type { BackendName, OutputSummary, SweepReport } from '../../../src/core/run/api';
import type { RunCellOutputsReply } from '../../../src/core/run/cellOutputs';
import { isFinished } from '../../../src/core/run/api';
import { formatDiagnostic, type Parameter } from '../../../src/core/analysis';
import { parseNotebook, type Notebook } from '../../../src/core/notebook';
import type { Pipeline } from '../../../src/core/pipeline';
import { parseParameterAssignments, ParameterValueError, resolveParameterValues } from '../../../src/core/run/parameterValues';
import { parseSweepTexts, sweepPoints, type SweepGrid } from '../../../src/core/run/sweepGrid';
import type { JsonValue, RunEvent, RunState, StepMember, SweepMembership } from '../../../src/core/run/types';
import type { Backend, RunHandle } from '../backends/backend';
import type { KfpAuth } from '../backends/kfp/kfpClient';
import { prepareForkServer } from '../backends/local/forkServer';
import { threadsPerStep } from '../backends/local/threadLimits';
import { magicsProblem } from '../backends/local/python';
import { createBackend, isBackendName, settingsOfRun, type BackendSettings } from '../backends/registry';
import type { RunListing, RunStore } from '../backends/runStore';
import { CellpipeError } from '../errors';
import { asCellpipeError } from './compileNotebook';
import { withClusterEnvironments } from './environments';
import { loadPipeline, type LoadedPipeline } from './loadPipeline';
import { declaredDefaults, retryParameterValues, sameSteps } from './retryCode';
import { readNotebookText, type NotebookFile } from './notebookFile';
import { PythonResolver } from './pythonResolver';
import { runCellOutputs, runExecutedNotebook } from './runOutputs';
import { sweepReport } from './sweepReport';

/** What starting a run needs; everything but the notebook is optional. */
export interface StartRunRequest {
  notebook: NotebookFile;
  /** Typed values by parameter name, overriding the notebook's defaults (core/run/parameterValues.ts). */
  parameters?: Record<string, JsonValue>;
  /** `NAME=VALUE` texts (the CLI's `--param`), each read by its parameter's type; applied after `parameters`. */
  parameterTexts?: string[];
  /** Default: local. */
  backend?: BackendName;
  /** local: interpreter of the steps; cluster: the Python whose packages steps are pinned to. Default: the notebook kernel's (PythonResolver). */
  python?: string;
  /** local: steps at once; 0 or absent: one per CPU core. */
  workers?: number;
  /** local: reuse unchanged steps' outputs (default true). */
  cache?: boolean;
  /** kubernetes: namespace of the Workflow (default: the kubeconfig context's). */
  namespace?: string;
  /** kubernetes, kfp: image of steps that name none. */
  image?: string;
  /** kfp: URL of the Kubeflow Pipelines API (default $KFP_HOST). */
  kfpHost?: string;
}

export interface RetryOptions {
  /** A step (name or id) to run again with every step downstream of it, reusing the values above it. */
  from?: string;
  /**
   * Where the run's notebook is now, from the path the run recorded (relative to the CLI's folder
   * or the Jupyter root): its code as it is now runs. Absent: the run's own code runs again.
   */
  notebook?: (recordedPath: string) => NotebookFile;
}

export interface RunServiceOptions {
  store: RunStore;
  /** Token and cookie for Kubeflow Pipelines (default: none). */
  kfpAuth?: KfpAuth;
  /** Warnings of the notebook's analysis and compilation. */
  warn?: (line: string) => void;
  /** Every event of every run this process follows (the CLI prints them). */
  onEvent?: (event: RunEvent) => void;
  /** How often KFP runs are read (ms). */
  kfpPollMs?: number;
  pythons?: PythonResolver;
  /**
   * Whether a local run, once started, has a step launcher started for the next run of its
   * notebook, with the libraries its steps import imported ahead (default true: the service's user
   * runs again). The CLI runs once and exits: there that launcher would only take cores from the
   * run's own steps (importing housing_regression's numpy, pandas and scikit-learn ahead: ~1 s of CPU).
   */
  prepareNextRun?: boolean;
}

/** What a sweep starts with: the swept values, typed (`grid`) or as the CLI's `--sweep NAME=V1,V2,...` texts (`sweepTexts`). */
export interface StartSweepRequest extends StartRunRequest {
  grid?: SweepGrid;
  sweepTexts?: string[];
}

/** The runs of a sweep this process started, in grid order. */
export interface SweepHandle {
  sweepId: string;
  runs: RunHandle[];
}

/** A notebook ready to start runs of: its pipeline as the backend runs it, and the backend. */
interface PreparedRun {
  loaded: LoadedPipeline;
  pipeline: Pipeline;
  settings: BackendSettings;
  backend: Backend;
}

/** Runs `read`, a bad parameter value becoming an `invalid` error (exit code 2, status 400). */
function asInvalid<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw error instanceof ParameterValueError ? new CellpipeError('invalid', error.message) : error;
  }
}

/** Refuses a local run whose steps use magics its Python cannot run (no IPython), saying what to do. */
function refuseUnrunnableMagics(pipeline: Pipeline, python: string): void {
  const magics = magicsProblem(pipeline, python);
  if (magics) {
    throw new CellpipeError('notebook', magics);
  }
}

/** Steps at once: a whole number of at least 1; 0 or absent means one per CPU core. */
function workerCount(value: unknown): number {
  if (value === undefined || value === null || value === 0) {
    return cpus().length;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new CellpipeError('invalid', `workers must be a whole number (0: one per CPU core), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A local run's workers: the request's, shared by the `runsAtOnce` runs started together (a sweep's), at least one each. */
function localWorkers(request: StartRunRequest, runsAtOnce = 1): number {
  return Math.max(1, Math.floor(workerCount(request.workers) / runsAtOnce));
}

/**
 * The application's runs, whoever asks (the CLI, the HTTP service): starts a notebook on a backend,
 * follows the runs this process started and fans their RunEvents out to subscribers, and cancels,
 * retries, refreshes and reads any run of the store, whichever process or backend ran it.
 */
export class RunService {
  readonly store: RunStore;
  readonly pythons: PythonResolver;
  private readonly active = new Map<string, RunHandle>();
  private readonly events = new EventEmitter();

  constructor(private readonly options: RunServiceOptions) {
    this.store = options.store;
    this.pythons = options.pythons ?? new PythonResolver();
    this.events.setMaxListeners(0);
  }

  /** Analyses and compiles the notebook from disk and starts it on its backend; resolves once it started. */
  async start(request: StartRunRequest): Promise<RunHandle> {
    const text = readNotebookText(request.notebook);
    const parsed = parseNotebook(text);
    await this.startLauncherAhead(request, parsed.notebook);
    const loaded = loadPipeline(request.notebook, this.options.warn, text, parsed);
    const parameters = this.parameterValues(loaded.pipeline.parameters, request);
    return this.launch(request, await this.prepareRun(request, loaded), parameters);
  }

  /**
   * Starts a parameter sweep: the notebook analysed and compiled once, then one run per point of
   * the grid (sweepGrid.ts), each recorded with its place in the sweep (RunState.sweep). Local runs
   * share the workers (each gets its share, at least one) and the steps that read no swept
   * parameter (sharedSteps.ts); on a cluster each run is a Workflow or KFP run of its own.
   */
  async startSweep(request: StartSweepRequest): Promise<SweepHandle> {
    const loaded = loadPipeline(request.notebook, this.options.warn);
    const declared = loaded.pipeline.parameters;
    const overrides = asInvalid(() => ({ ...request.parameters, ...parseParameterAssignments(declared, request.parameterTexts ?? []) }));
    const fixed = asInvalid(() => resolveParameterValues(declared, overrides));
    const points = asInvalid(() => sweepPoints(declared, { ...request.grid, ...parseSweepTexts(declared, request.sweepTexts ?? []) }, overrides));
    const prepared = await this.prepareRun(request, loaded, points.length);
    const sweepId = `sweep-${this.store.newRunId(loaded.pipeline.name)}`;
    const runs: RunHandle[] = [];
    try {
      for (const [index, values] of points.entries()) {
        runs.push(await this.launch(request, prepared, { ...fixed, ...values }, { id: sweepId, index, of: points.length, values }));
      }
    } catch (error) {
      runs.forEach(run => run.cancel()); // a sweep starts whole or not at all
      throw error;
    }
    return { sweepId, runs };
  }

  /** A sweep's runs side by side, brought up to date; not-found when none of its runs is in the store. */
  async sweep(sweepId: string): Promise<SweepReport> {
    const { runs } = await this.list();
    const members = runs.filter(run => run.sweep?.id === sweepId);
    if (!members.length) {
      throw new CellpipeError('not-found', `no runs of sweep '${sweepId}' in the run store (\`cellpipe runs\` lists the runs)`);
    }
    return sweepReport(sweepId, members);
  }

  /**
   * Starts the step launcher of a local run before its notebook is analysed and compiled, so that
   * its start-up (~25 ms: the interpreter and the modules every step needs) overlaps them instead of
   * delaying the first steps. Only when the notebook's Python and the run's workers can be told
   * now: anything wrong is left to prepareRun, which reports it in its order.
   */
  private async startLauncherAhead(request: StartRunRequest, notebook: Notebook | null): Promise<void> {
    if ((request.backend ?? 'local') !== 'local' || !notebook) {
      return;
    }
    try {
      prepareForkServer(await this.pythons.resolve(notebook, request.python), [], threadsPerStep(localWorkers(request)));
    } catch {
      // reported by prepareRun
    }
  }

  /** What every run of a notebook needs before it starts: the backend's settings and the pipeline as it runs there. */
  private async prepareRun(request: StartRunRequest, loaded: LoadedPipeline, runsAtOnce = 1): Promise<PreparedRun> {
    const backendName = request.backend ?? 'local';
    if (!isBackendName(backendName)) {
      throw new CellpipeError('invalid', `unknown backend '${String(backendName)}': choose local, kubernetes or kfp`);
    }
    const { notebook } = loaded;
    let { pipeline } = loaded;
    let settings: BackendSettings;
    if (backendName === 'local') {
      const python = await this.pythons.resolve(notebook, request.python);
      refuseUnrunnableMagics(pipeline, python);
      settings = { name: 'local', python, workers: localWorkers(request, runsAtOnce), cache: request.cache };
    } else if (backendName === 'kubernetes') {
      settings = { name: 'kubernetes', namespace: request.namespace, image: request.image };
    } else {
      const host = request.kfpHost || process.env.KFP_HOST;
      if (!host) {
        throw new CellpipeError('invalid', 'the kfp backend needs the address of the Kubeflow Pipelines API: --kfp-host URL, kfpHost, or KFP_HOST');
      }
      settings = { name: 'kfp', host, auth: this.options.kfpAuth ?? {}, image: request.image, pollMs: this.options.kfpPollMs };
    }
    if (settings.name !== 'local') {
      // Pods start from an image with Python and pip only: each step gets its packages, pinned to the kernel's.
      const cluster = await withClusterEnvironments(loaded, request.notebook, this.pythons, request.python);
      cluster.diagnostics.forEach(d => this.options.warn?.(formatDiagnostic(d)));
      pipeline = cluster.pipeline;
    }
    return { loaded, pipeline, settings, backend: await this.backend(settings) };
  }

  /** Starts one run of a prepared notebook with these parameter values. */
  private async launch(
    request: StartRunRequest,
    prepared: PreparedRun,
    parameters: Record<string, JsonValue>,
    sweep?: SweepMembership
  ): Promise<RunHandle> {
    const { loaded, pipeline, settings, backend } = prepared;
    const notebookDir = dirname(request.notebook.absolute);
    const handle = await asCellpipeError(() => backend.start({ pipeline, parameters, notebookDir, ...(sweep ? { sweep } : {}) }));
    // Before anyone can ask for the run's outputs: the first cell's come after its step's process started.
    this.store.saveNotebook(handle.runId, loaded.text);
    if (settings.name === 'local' && this.options.prepareNextRun !== false) {
      // The next run's steps start without waiting for a launcher, or for this notebook's libraries.
      prepareForkServer(settings.python, pipeline.steps);
    }
    return this.track(handle);
  }

  /**
   * Gets a local run of a notebook ready before it is asked for (the panel asks when a notebook
   * becomes active): a step launcher for its Python with the libraries its steps import (as the
   * analysis found them) already imported.
   */
  async prepare(file: NotebookFile, python?: string): Promise<void> {
    const { notebook, pipeline } = loadPipeline(file);
    const resolved = await this.pythons.resolve(notebook, python);
    prepareForkServer(resolved, pipeline.steps);
  }

  /** Starts a step launcher for the default kernel's Python (the service calls it once it listens). */
  warmUp(): void {
    void this.pythons.warmUp().then(python => python && prepareForkServer(python));
  }

  /**
   * Runs a run again (see Backend.retry); `from`: a step to run again with everything downstream of
   * it. With `notebook` (the run's notebook, as the caller finds it) the user's code as it is now
   * runs, not the run's: unchanged, a plain retry; changed with the same steps, on the local
   * backend, the run again with the new code (steps whose code, parameters or inputs changed run
   * again, the others keep their values); otherwise a new run of the notebook (whose unchanged
   * steps the local cache reuses): the handle then names the new run.
   */
  async retry(runId: string, options: RetryOptions = {}): Promise<RunHandle> {
    const { from } = options;
    const state = this.store.load(runId);
    const backend = await this.backendOf(state);
    const notebook = this.notebookOfRun(state, options);
    const ran = this.store.readNotebook(runId);
    const loaded = notebook && this.changedNotebook(state, notebook, ran);
    if (!loaded) {
      return this.track(await backend.retry(state, from));
    }
    const { pipeline } = loaded;
    const parameters = retryParameterValues(pipeline.parameters, state.parameters, declaredDefaults(ran), runId);
    if (backend.retryWithCode && sameSteps(state.steps, pipeline.steps)) {
      if (state.python) {
        refuseUnrunnableMagics(pipeline, state.python);
      }
      const handle = await backend.retryWithCode(state, { pipeline, parameters, notebookDir: dirname(notebook.absolute) }, from);
      this.store.saveNotebook(runId, loaded.text);
      return this.track(handle);
    }
    this.options.warn?.(`the notebook's steps changed since run ${runId}: a new run starts`);
    return this.start({
      notebook,
      parameters,
      backend: state.backend,
      python: state.python,
      namespace: state.kubernetes?.namespace,
      kfpHost: state.kfp?.host
    });
  }

  /** The run's notebook on disk, when the caller can find it. */
  private notebookOfRun(state: RunState, options: RetryOptions): NotebookFile | undefined {
    if (!options.notebook || state.notebookPath === undefined) {
      return undefined;
    }
    try {
      return options.notebook(state.notebookPath);
    } catch (error) {
      this.options.warn?.(`${(error as Error).message}: run ${state.runId} runs again with its own code`);
      return undefined;
    }
  }

  /** The notebook as it is now, when it can still be read and differs from `ran`, the run's copy. */
  private changedNotebook(state: RunState, notebook: NotebookFile, ran: string | undefined): LoadedPipeline | undefined {
    let text: string;
    try {
      text = readNotebookText(notebook);
    } catch {
      this.options.warn?.(`${notebook.relative} cannot be read: run ${state.runId} runs again with its own code`);
      return undefined;
    }
    return text === ran ? undefined : loadPipeline(notebook, this.options.warn, text);
  }

  /** Cancels a run this process follows directly, any other through its backend; says what it did. */
  async cancel(runId: string): Promise<string> {
    const handle = this.active.get(runId);
    if (handle) {
      handle.cancel();
      return `cancel requested for run ${runId}`;
    }
    const state = await this.state(runId);
    return (await this.backendOf(state)).cancel(state);
  }

  /** A run's state, brought up to date where it can still change (a remote run, a local run whose runner died). */
  async state(runId: string): Promise<RunState> {
    const saved = this.store.load(runId);
    if (this.active.has(runId)) {
      return saved;
    }
    return (await this.backendOf(saved)).refresh(saved);
  }

  /**
   * Every run, or the runs of one notebook (its path as recorded), newest first, brought up to date;
   * and the runs whose record could not be read (whichever notebook they were of), for the caller to report.
   */
  async list(notebookPath?: string): Promise<RunListing> {
    const { runs, unreadable } = this.store.listing();
    const saved = runs.filter(state => notebookPath === undefined || state.notebookPath === notebookPath);
    const current = await Promise.all(
      saved.map(
        state =>
          this.active.has(state.runId) || isFinished(state.status)
            ? state
            : this.backendOf(state)
                .then(backend => backend.refresh(state))
                .catch(() => state) // out of reach now: the last known state
      )
    );
    return { runs: current, unreadable };
  }

  /** What a step printed; with `member`, one of its items (`items`) or workers (`ranks`). */
  async stepLog(runId: string, step: string, member?: StepMember): Promise<string> {
    const state = this.store.load(runId);
    const stepId = this.stepId(state, step);
    if (member) {
      const found = state.steps.find(s => s.id === stepId)!;
      const members = member.group === 'items' ? found.instances : found.workers;
      const noun = member.group === 'items' ? 'item' : 'worker';
      if (!members) {
        throw new CellpipeError(
          'not-found',
          `step ${JSON.stringify(found.name)} of run ${runId} has no ${noun}s: it is not a ${member.group === 'items' ? 'fan-out' : 'distributed'} step, or it has not started`
        );
      }
      if (!Number.isInteger(member.index) || member.index < 0 || member.index >= members.length) {
        throw new CellpipeError(
          'not-found',
          `step ${JSON.stringify(found.name)} of run ${runId} has ${members.length} ${noun}s (0 to ${members.length - 1}); there is no ${noun} ${member.index}`
        );
      }
    }
    return (await this.backendOf(state)).stepLog(state, stepId, member);
  }

  async stepOutputs(runId: string, step: string): Promise<OutputSummary[]> {
    const state = this.store.load(runId);
    return (await this.backendOf(state)).stepOutputs(state, this.stepId(state, step));
  }

  /** The cells of a run with outputs so far, in notebook order; `step` (name or id): those of one step. */
  cellOutputs(runId: string, step?: string): RunCellOutputsReply {
    const state = this.store.load(runId);
    return runCellOutputs(this.store, state, step === undefined ? undefined : this.stepId(state, step));
  }

  /** The executed notebook of a run (every cell's outputs from it, Run All's execution counts), and its file name. */
  executedNotebook(runId: string): { fileName: string; notebook: Record<string, unknown> } {
    return runExecutedNotebook(this.store, this.store.load(runId));
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

  /** A step by id, or by the user's name for it. */
  private stepId(state: RunState, step: string): string {
    const found = state.steps.find(s => s.id === step) ?? state.steps.find(s => s.name === step);
    if (!found) {
      throw new CellpipeError('not-found', `run ${state.runId} has no step '${step}'; its steps: ${state.steps.map(s => s.name).join(', ')}`);
    }
    return found.id;
  }

  private parameterValues(declared: readonly Parameter[], request: StartRunRequest): Record<string, JsonValue> {
    return asInvalid(() =>
      resolveParameterValues(declared, { ...request.parameters, ...parseParameterAssignments(declared, request.parameterTexts ?? []) })
    );
  }

  private backend(settings: BackendSettings): Promise<Backend> {
    return createBackend(settings, {
      store: this.store,
      onEvent: event => {
        this.options.onEvent?.(event);
        this.events.emit(event.runId, event);
      }
    });
  }

  private backendOf(state: RunState): Promise<Backend> {
    return this.backend(settingsOfRun(state, this.options.kfpAuth ?? {}));
  }

  private track(handle: RunHandle): RunHandle {
    this.active.set(handle.runId, handle);
    void handle.done.catch(() => undefined).then(() => this.active.delete(handle.runId));
    return handle;
  }
}
