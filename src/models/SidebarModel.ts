import type { NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';
import type { CellpipeClient, DownloadedFile } from '../api/client';
import {
  BACKEND_NAMES,
  isFinished,
  type BackendName,
  type CompileResult,
  type CompileTarget,
  type HealthReport,
  type OutputSummary,
  type PackagesReport,
  type StartRunBody,
  type SweepStarted
} from '../core/run/api';
import type { SweepGrid } from '../core/run/sweepGrid';
import type { JsonValue, RunEvent, RunState, StepState } from '../core/run/types';
import type { CellpipeSettings } from '../tokens';
import { NotebookPipeline } from './NotebookPipeline';
import { hasSavedOutputs } from './stepStatus';
import { typeParameterTexts } from './parameterTexts';

/** A watched run's cells have new outputs (the `cell-outputs` RunEvent), for the notebook at `path`. */
export interface CellOutputsArrival {
  path: string;
  event: Extract<RunEvent, { type: 'cell-outputs' }>;
}

export type ServiceHealth = { state: 'checking' } | { state: 'healthy'; report: HealthReport } | { state: 'unreachable'; message: string };

export const DEFAULT_SETTINGS: CellpipeSettings = {
  defaultBackend: 'local',
  workers: 0,
  python: '',
  namespace: '',
  image: 'python:3.11-slim',
  storageClass: '',
  kfpHost: '',
  showRunOutputs: true
};

/** What the sidebar's pipeline settings edit: `metadata.cellpipe` of the notebook. */
export interface PipelineMetadata {
  pipelineName?: string;
  description?: string;
  experiment?: string;
  image?: string;
  volume?: { size?: string; storageClass?: string; accessMode?: string };
  backend?: string;
  namespace?: string;
}

/** Most log text kept per step in the browser; older text is dropped from the view. */
const MAX_LOG_CHARS = 200_000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The state behind cellpipe's UI: the active notebook's live pipeline, its runs (one watched over
 * server-sent events), the selected step's log and outputs, and per-notebook parameter values.
 * The sidebar renders it; the cell decorations read the watched run from it.
 */
export class SidebarModel {
  settings: CellpipeSettings = { ...DEFAULT_SETTINGS };

  constructor(private readonly client: CellpipeClient) {}

  /** Anything the sidebar shows changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The watched run of a notebook changed: its path. */
  get runChanged(): ISignal<this, string> {
    return this._runChanged;
  }

  /** Cells of a watched run have new outputs to fetch (NotebookRunOutputs follows it). */
  get cellOutputsArrived(): ISignal<this, CellOutputsArrival> {
    return this._cellOutputsArrived;
  }

  get health(): ServiceHealth {
    return this._health;
  }

  get pipeline(): NotebookPipeline | null {
    return this._pipeline;
  }

  get notebookPath(): string | null {
    return this._pipeline?.path ?? null;
  }

  get history(): RunState[] {
    return this.notebookPath ? (this.histories.get(this.notebookPath) ?? []) : [];
  }

  /** The run the sidebar and the cells show for a notebook: the last started or selected. */
  runOf(path: string | null): RunState | null {
    return path ? (this.watched.get(path) ?? null) : null;
  }

  get run(): RunState | null {
    return this.runOf(this.notebookPath);
  }

  /** Whether the shown run is still going, so it can be cancelled. */
  get cancellable(): boolean {
    return !!this.run && !isFinished(this.run.status);
  }

  /** Whether the shown run stopped short (failed or cancelled), so it can be retried. */
  get retryable(): boolean {
    return this.run?.status === 'Failed' || this.run?.status === 'Cancelled';
  }

  /**
   * Whether the selected step of the shown run can be run again with what follows it, reusing the
   * values above it: a finished local run (a cluster's runs are started again instead).
   */
  get rerunnableFromSelected(): boolean {
    return !!this.run && !!this._selectedStep && isFinished(this.run.status) && this.run.backend === 'local';
  }

  get busy(): string | null {
    return this._busy;
  }

  get error(): string | null {
    return this._error;
  }

  get notice(): string | null {
    return this._notice;
  }

  get selectedStep(): string | null {
    return this._selectedStep;
  }

  /** The step of the notebook's active cell (the DAG highlights its node). */
  get activeStep(): string | null {
    const pipeline = this._pipeline;
    const index = pipeline?.panel.content.activeCellIndex ?? -1;
    return pipeline && index >= 0 ? (pipeline.stepOfCell(index)?.name ?? null) : null;
  }

  /**
   * Why "Compile and run" cannot start now, in words for its tooltip; null when it can. The
   * notebook's problems block it (the cells say what they are), as do values that do not fit.
   */
  get runBlockedReason(): string | null {
    const analysis = this._pipeline?.analysis;
    if (!analysis) {
      return 'Open a notebook first.';
    }
    if (this._busy) {
      return this._busy;
    }
    const problems = analysis.diagnostics.filter(d => d.severity === 'error').length;
    if (problems) {
      return `${problems} problem${problems > 1 ? 's' : ''} to fix first (marked on the cells).`;
    }
    if (!analysis.steps.length) {
      return 'No steps yet: tag a code cell as a step.';
    }
    const invalid = Object.keys(this.parameterErrors);
    if (invalid.length) {
      return `Fix the value of ${invalid.join(', ')} (see Parameters).`;
    }
    return null;
  }

  /** Runs of the active notebook picked for comparison, in the order picked. */
  get comparedRunIds(): string[] {
    return this.notebookPath ? (this.compared.get(this.notebookPath) ?? []).filter(id => this.history.some(r => r.runId === id)) : [];
  }

  /** Picks a run of the active notebook for comparison, or puts it back. */
  toggleCompared(runId: string): void {
    const path = this.notebookPath;
    if (!path) {
      return;
    }
    const ids = this.compared.get(path) ?? [];
    this.compared.set(path, ids.includes(runId) ? ids.filter(id => id !== runId) : [...ids, runId]);
    this._changed.emit();
  }

  /** Selects a step's cells in the notebook and brings the first into view (the DAG's nodes do). */
  selectStepCells(name: string): void {
    const pipeline = this._pipeline;
    const step = pipeline?.analysis?.steps.find(s => s.name === name);
    if (!pipeline || !step?.cells.length) {
      return;
    }
    const notebook = pipeline.panel.content;
    const [first] = step.cells;
    notebook.activeCellIndex = first;
    notebook.deselectAll();
    for (const index of step.cells) {
      const cell = notebook.widgets[index];
      if (cell) {
        notebook.select(cell);
      }
    }
    void notebook.scrollToItem(first, 'start');
  }

  get log(): string {
    return this._log;
  }

  /** What a cluster installs for each step of the active notebook, once asked for (loadPackages). */
  get packages(): PackagesReport | null {
    return this._pipeline ? (this.packageReports.get(this._pipeline.path) ?? null) : null;
  }

  /** Asks the service what a cluster installs for each step (it starts the kernel's Python to pin versions). */
  async loadPackages(): Promise<void> {
    const pipeline = this._pipeline;
    if (!pipeline) {
      return;
    }
    await this.doing('Reading the packages of the kernel…', async () => {
      await pipeline.panel.context.save();
      this.packageReports.set(pipeline.path, await this.client.packages(pipeline.path));
    });
  }

  outputsOf(runId: string, stepId: string): OutputSummary[] | undefined {
    return this.outputs.get(`${runId}/${stepId}`);
  }

  /** Parameter values typed in the sidebar for the active notebook, as text (defaults are not stored). */
  get parameterTexts(): Record<string, string> {
    return this.notebookPath ? (this.parameters.get(this.notebookPath) ?? {}) : {};
  }

  /** Why a typed value does not fit its parameter, by parameter name, for the parameters the notebook declares now. */
  get parameterErrors(): Record<string, string> {
    return typeParameterTexts(this._pipeline?.analysis?.parameters ?? [], this.parameterTexts).errors;
  }

  /** The live pipeline of a notebook panel, created on first use. */
  pipelineOf(panel: NotebookPanel): NotebookPipeline {
    let pipeline = this.pipelines.get(panel);
    if (!pipeline) {
      pipeline = new NotebookPipeline(panel);
      this.pipelines.set(panel, pipeline);
      pipeline.changed.connect(() => {
        if (pipeline === this._pipeline) {
          this._changed.emit();
        }
      });
      panel.disposed.connect(() => {
        pipeline!.dispose();
        this.pipelines.delete(panel);
        if (this._pipeline === pipeline) {
          this.setPanel(null);
        }
      });
    }
    return pipeline;
  }

  setPanel(panel: NotebookPanel | null): void {
    const pipeline = panel ? this.pipelineOf(panel) : null;
    if (pipeline === this._pipeline) {
      return;
    }
    this.followPanel(this._pipeline?.panel ?? null, panel);
    this._pipeline = pipeline;
    this._selectedStep = null;
    this._log = '';
    this._error = null;
    this._notice = null; // it spoke of the notebook left
    this._changed.emit();
    if (pipeline) {
      void this.refreshHistory();
      this.prepareLocalRun();
    }
  }

  /** The sidebar follows the shown notebook's name (a rename) and its active cell (the DAG marks its step). */
  private followPanel(left: NotebookPanel | null, shown: NotebookPanel | null): void {
    if (left) {
      left.context.pathChanged.disconnect(this.emitChanged, this);
      left.content.activeCellChanged.disconnect(this.emitChanged, this);
    }
    if (shown) {
      shown.context.pathChanged.connect(this.emitChanged, this);
      shown.content.activeCellChanged.connect(this.emitChanged, this);
    }
  }

  private emitChanged(): void {
    this._changed.emit();
  }

  /** A notebook that runs locally gets its launcher (and libraries) ready before the first click. */
  private prepareLocalRun(): void {
    const path = this.notebookPath;
    if (path && (this.pipelineMetadata.backend || this.settings.defaultBackend) === 'local') {
      // Only a head start: a notebook that cannot compile yet says so when it is run.
      void this.client.prepareRun(path, this.settings.python || undefined).catch(() => undefined);
    }
  }

  async checkHealth(): Promise<ServiceHealth> {
    this._health = { state: 'checking' };
    this._changed.emit();
    try {
      this._health = { state: 'healthy', report: await this.client.health() };
    } catch (error) {
      this._health = { state: 'unreachable', message: message(error) };
    }
    this._changed.emit();
    return this._health;
  }

  setParameter(name: string, value: string): void {
    const path = this.notebookPath;
    if (!path) {
      return;
    }
    const values = { ...(this.parameters.get(path) ?? {}) };
    if (value === '') {
      delete values[name];
    } else {
      values[name] = value;
    }
    this.parameters.set(path, values);
    this._changed.emit();
  }

  /** `metadata.cellpipe` of the active notebook (Kale's `kubeflow_notebook` is never written). */
  get pipelineMetadata(): PipelineMetadata {
    const value = this._pipeline?.panel.content.model?.getMetadata('cellpipe');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as PipelineMetadata) : {};
  }

  /** Sets one key of `metadata.cellpipe` (empty values remove the key). */
  writeMetadata(key: keyof PipelineMetadata, value: unknown): void {
    const model = this._pipeline?.panel.content.model;
    if (!model) {
      return;
    }
    const next: Record<string, unknown> = { ...this.pipelineMetadata };
    // Metadata is JSON: drop unset fields of objects (undefined is not JSON).
    const cleaned =
      typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== '' && v !== undefined)) : value;
    const empty = cleaned === '' || cleaned === undefined || (typeof cleaned === 'object' && cleaned !== null && !Object.keys(cleaned).length);
    if (empty) {
      delete next[key];
    } else {
      next[key] = cleaned;
    }
    if (Object.keys(next).length) {
      model.setMetadata('cellpipe', next);
    } else {
      model.deleteMetadata('cellpipe');
    }
    this._changed.emit();
  }

  /**
   * Saves the notebook, compiles it on the service from disk and starts it on its backend: the
   * notebook's own setting (`metadata.cellpipe.backend`), else the user's default.
   */
  async compileAndRun(): Promise<RunState | null> {
    const pipeline = this._pipeline;
    if (!pipeline) {
      return null;
    }
    const { values, errors } = typeParameterTexts(pipeline.analyze().parameters, this.parameterTexts);
    const invalid = Object.keys(errors);
    if (invalid.length) {
      this.setError(`Not started: fix the value of ${invalid.join(', ')} (see Parameters).`);
      return null;
    }
    return this.doing('Starting…', async () => {
      const body = this.startBody(pipeline.path, values);
      await pipeline.panel.context.save();
      const state = await this.client.startRun(body);
      this.watch(pipeline.path, state);
      this.histories.set(pipeline.path, [state, ...(this.histories.get(pipeline.path) ?? []).filter(r => r.runId !== state.runId)]);
      return state;
    });
  }

  /**
   * Saves the notebook and starts a sweep of it: one run per point of `grid` (swept values by
   * parameter), the other parameters as the form has them. The runs join the history.
   */
  async startSweep(grid: SweepGrid): Promise<SweepStarted | null> {
    const pipeline = this._pipeline;
    if (!pipeline) {
      return null;
    }
    const { values, errors } = typeParameterTexts(pipeline.analyze().parameters, this.parameterTexts);
    const invalid = Object.keys(errors).filter(name => !(name in grid));
    if (invalid.length) {
      this.setError(`Not started: fix the value of ${invalid.join(', ')} (see Parameters), or sweep it.`);
      return null;
    }
    const fixed = Object.fromEntries(Object.entries(values).filter(([name]) => !(name in grid)));
    return this.doing('Starting the sweep…', async () => {
      const body = this.startBody(pipeline.path, fixed);
      await pipeline.panel.context.save();
      const started = await this.client.startSweep({ ...body, grid });
      await this.refreshHistory();
      return started;
    });
  }

  /** What starting a run of the notebook asks the service for, besides what to run: where and how, from the settings. */
  private startBody(path: string, parameters: Record<string, JsonValue>): StartRunBody {
    return {
      path,
      parameters,
      python: this.settings.python || undefined,
      workers: this.settings.workers || undefined,
      backend: this.backend(),
      namespace: this.pipelineMetadata.namespace || this.settings.namespace || undefined,
      image: this.pipelineMetadata.image || this.settings.image || undefined,
      kfpHost: this.settings.kfpHost || undefined
    };
  }

  /** Where the active notebook runs: its own setting (`metadata.cellpipe.backend`), else the user's default. */
  private backend(): BackendName {
    const chosen = this.pipelineMetadata.backend || this.settings.defaultBackend;
    if (!(BACKEND_NAMES as readonly string[]).includes(chosen)) {
      throw new Error(`The notebook's backend '${chosen}' is not one of ${BACKEND_NAMES.join(', ')} (see Settings).`);
    }
    return chosen as BackendName;
  }

  /** Compiles the saved notebook to a target; the caller saves or downloads the files. */
  async compile(target: CompileTarget): Promise<CompileResult | null> {
    const pipeline = this._pipeline;
    if (!pipeline) {
      return null;
    }
    return this.doing('Compiling…', async () => {
      await pipeline.panel.context.save();
      return this.client.compile(pipeline.path, target);
    });
  }

  /** The executed notebook of the shown run (its cells' outputs so far), for the caller to offer as a download. */
  async executedNotebook(): Promise<DownloadedFile | null> {
    const run = this.run;
    return run ? this.doing('Preparing the executed notebook…', () => this.client.executedNotebook(run.runId)) : null;
  }

  async cancel(): Promise<void> {
    const run = this.run;
    if (run) {
      await this.doing('Cancelling…', () => this.client.cancel(run.runId));
    }
  }

  /** Runs the failed steps again with the notebook's current code (saved first), reusing the values above them. */
  async retry(): Promise<void> {
    await this.runAgain('Retrying…');
  }

  /** Runs the selected step of the shown run again, with every step downstream of it. */
  async rerunFromSelected(): Promise<void> {
    if (this._selectedStep) {
      await this.runAgain('Re-running…', this._selectedStep);
    }
  }

  /**
   * Retries the shown run. The service runs the notebook as saved, so it is saved first; its reply
   * may be a new run (when the notebook's steps changed shape), which the sidebar then follows.
   */
  private async runAgain(what: string, from?: string): Promise<void> {
    const run = this.run;
    const pipeline = this._pipeline;
    if (!run || !pipeline) {
      return;
    }
    const path = pipeline.path;
    await this.doing(what, async () => {
      await pipeline.panel.context.save();
      const state = await (from === undefined ? this.client.retry(run.runId) : this.client.retry(run.runId, from));
      this.histories.set(path, [state, ...(this.histories.get(path) ?? []).filter(r => r.runId !== state.runId)]);
      this.watch(path, state);
      // The log of the attempt now going, not the one before it.
      if (path === this.notebookPath && this._selectedStep) {
        void this.selectStep(state.steps.some(s => s.id === this._selectedStep) ? this._selectedStep : null);
      }
    });
  }

  /** Shows an earlier run of the active notebook (and follows it if it is still going). */
  async selectRun(runId: string): Promise<void> {
    const path = this.notebookPath;
    if (path) {
      await this.doing(null, async () => this.watch(path, await this.client.run(runId)));
    }
  }

  async refreshHistory(): Promise<void> {
    const path = this.notebookPath;
    if (!path) {
      return;
    }
    try {
      const runs = await this.client.runs(path);
      this.histories.set(path, runs);
      if (!this.watched.has(path) && runs.length) {
        this.watch(path, runs[0]);
      }
      this._changed.emit();
    } catch (error) {
      this.setError(error);
    }
  }

  /** Shows a step's log (streamed while its run goes) and its outputs. */
  async selectStep(stepId: string | null): Promise<void> {
    this._selectedStep = stepId;
    this._log = '';
    this._changed.emit();
    const run = this.run;
    if (!stepId || !run) {
      return;
    }
    try {
      const text = await this.client.stepLog(run.runId, stepId);
      if (this._selectedStep === stepId && this.run?.runId === run.runId) {
        this._log = text.slice(-MAX_LOG_CHARS);
        this._changed.emit();
      }
    } catch (error) {
      this.setError(error);
    }
  }

  dispose(): void {
    for (const close of this.streams.values()) {
      close();
    }
    Signal.clearData(this);
  }

  private watch(path: string, state: RunState): void {
    this.streams.get(path)?.();
    this.streams.delete(path);
    const switched = this.watched.get(path)?.runId !== state.runId;
    this.setRun(path, state);
    if (switched && path === this.notebookPath && this._selectedStep) {
      void this.selectStep(state.steps.some(s => s.id === this._selectedStep) ? this._selectedStep : null);
    }
    if (!isFinished(state.status)) {
      this.streams.set(
        path,
        this.client.watch(state.runId, {
          state: fresh => this.setRun(path, fresh),
          event: event => this.onEvent(path, event)
        })
      );
    }
  }

  private onEvent(path: string, event: RunEvent): void {
    const run = this.watched.get(path);
    if (!run || run.runId !== event.runId) {
      return;
    }
    if (event.type === 'log') {
      if (path === this.notebookPath && event.stepId === this._selectedStep) {
        this._log = (this._log + event.text).slice(-MAX_LOG_CHARS);
        this._changed.emit();
      }
      return;
    }
    if (event.type === 'step') {
      this.setRun(path, { ...run, steps: run.steps.map(s => (s.id === event.step.id ? event.step : s)) });
      return;
    }
    if (event.type === 'cell-outputs') {
      this._cellOutputsArrived.emit({ path, event });
      return;
    }
    this.setRun(path, { ...run, status: event.status, message: event.message });
    if (isFinished(event.status)) {
      this.streams.delete(path);
      // The final document has the run's metrics and end time.
      void this.client.run(run.runId).then(
        final => this.setRun(path, final),
        error => this.setError(error)
      );
    }
  }

  private setRun(path: string, state: RunState): void {
    this.watched.set(path, state);
    const history = this.histories.get(path);
    if (history) {
      this.histories.set(
        path,
        history.map(r => (r.runId === state.runId ? state : r))
      );
    }
    for (const step of state.steps) {
      this.loadOutputs(path, state, step);
    }
    this._runChanged.emit(path);
    this._changed.emit();
  }

  /** Fetches what a finished step saved, once, for the cell summaries. */
  private loadOutputs(path: string, run: RunState, step: StepState): void {
    const key = `${run.runId}/${step.id}`;
    if (!hasSavedOutputs(step) || this.outputs.has(key)) {
      return;
    }
    this.outputs.set(key, []);
    this.client.stepOutputs(run.runId, step.id).then(
      outputs => {
        this.outputs.set(key, outputs);
        this._runChanged.emit(path);
      },
      () => this.outputs.delete(key)
    );
  }

  private async doing<T>(what: string | null, action: () => Promise<T>): Promise<T | null> {
    this._busy = what;
    this._error = null;
    this._changed.emit();
    try {
      return await action();
    } catch (error) {
      this.setError(error);
      return null;
    } finally {
      this._busy = null;
      this._changed.emit();
    }
  }

  private setError(error: unknown): void {
    this._error = message(error);
    this._changed.emit();
  }

  /** A transient note (e.g. where compiled files were saved). */
  setNotice(text: string | null): void {
    this._notice = text;
    this._changed.emit();
  }

  private _health: ServiceHealth = { state: 'checking' };
  private _pipeline: NotebookPipeline | null = null;
  private _busy: string | null = null;
  private _error: string | null = null;
  private _notice: string | null = null;
  private _selectedStep: string | null = null;
  private _log = '';
  private readonly pipelines = new Map<NotebookPanel, NotebookPipeline>();
  private readonly histories = new Map<string, RunState[]>();
  private readonly watched = new Map<string, RunState>();
  private readonly streams = new Map<string, () => void>();
  private readonly parameters = new Map<string, Record<string, string>>();
  private readonly outputs = new Map<string, OutputSummary[]>();
  private readonly packageReports = new Map<string, PackagesReport>();
  private readonly compared = new Map<string, string[]>();
  private readonly _changed = new Signal<this, void>(this);
  private readonly _runChanged = new Signal<this, string>(this);
  private readonly _cellOutputsArrived = new Signal<this, CellOutputsArrival>(this);
}
