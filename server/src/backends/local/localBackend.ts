import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  instanceDir,
  METRICS_FILE,
  RUNTIME_ENV,
  RUNTIME_FILE,
  RUNTIME_FOLDER,
  STEP_RESULT_FILE
} from '../../../../src/core/compile/runtime/contract';
import type { OutputSummary } from '../../../../src/core/run/api';
import { isFinished } from '../../../../src/core/run/api';
import { describeFailure, readStepResult } from '../../../../src/core/run/stepResult';
import type {
  InstanceState,
  RunEvent,
  RunnableStep,
  RunRequest,
  RunState,
  ServedModelState,
  StepMember,
  StepState,
  SweepMembership
} from '../../../../src/core/run/types';
import { CellpipeError } from '../../errors';
import type { Backend, PipelineRun, RunHandle } from '../backend';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, RunStore, writeFileAtomic } from '../runStore';
import { cacheKeys, changedSteps, findCached, recordCached, restoreCached } from './cache';
import { claimSharedStep, endSharedStep, type SharedStepWait } from './sharedSteps';
import { FanOutProgress, itemCount } from './fanOutProgress';
import { readServeDocument, serveModel, servingPython } from './modelServer';
import { freePort, torchrunEnvironment, type WorkerPlace } from './torchrunEnvironment';
import { threadLimitVariables, threadsPerStep } from './threadLimits';
import { readOutputSummaries } from './outputSummaries';
import { toRunRequest } from './runRequest';
import { blockedSteps, readySteps, stepReadyAfter, stepsStartingSoon, topologicalOrder } from './schedule';
import { claimForkServer, defaultLauncherKind, type ForkServer, type LauncherKind } from './forkServer';
import { isSameProcess, processStartTime } from './processIdentity';
import { killGroup, spawnStep, startStepProcess, type StepExit, type StepLaunch, type StepProcess } from './stepProcess';

export interface LocalRunOptions {
  store: RunStore;
  /** Interpreter that runs the steps (see python.ts). */
  python: string;
  /** Steps run at once. */
  workers: number;
  /** Whether steps marked cacheable may reuse earlier outputs. */
  cache?: boolean;
  /** How step processes start (see forkServer.ts); default: defaultLauncherKind(). */
  launcher?: LauncherKind;
  onEvent?: (event: RunEvent) => void;
}

const now = (): string => new Date().toISOString();
const CANCEL_POLL_MS = 200;

/**
 * Whether the process that ran a run is gone while the run still says it is going: no process has
 * its pid, or (where start times can be read) the one that has it now is another process.
 */
export function runnerGone(state: RunState): boolean {
  if (state.status !== 'Running' && state.status !== 'Pending') {
    return false;
  }
  if (!state.runner || state.runner.host !== hostname()) {
    return false;
  }
  if (state.runner.startTime !== undefined && process.platform === 'linux') {
    return !isSameProcess(state.runner.pid, state.runner.startTime);
  }
  try {
    process.kill(state.runner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The state as a reader should see it: a run whose runner died is reported as failed. */
export function observedState(state: RunState): RunState {
  if (!runnerGone(state)) {
    return state;
  }
  return {
    ...state,
    status: 'Failed',
    message: `the process running this pipeline (pid ${state.runner!.pid}) stopped before it finished; \`cellpipe retry ${state.runId}\` resumes it`
  };
}

/**
 * Ends what is left of a step whose runner died: its process group, only when its leader is
 * provably the step's own process (its start time as recorded). A pid alone may belong to anything
 * by now; a step recorded without a start time, or whose process is gone, is left alone.
 */
function killLeftoverStep(step: StepState): void {
  for (const process of [step, ...(step.instances ?? []), ...(step.workers ?? [])]) {
    if (process.pid !== undefined && isSameProcess(process.pid, process.pidStartTime)) {
      killGroup(process.pid, 'SIGKILL');
    }
  }
}

/**
 * The embedded default backend: runs step scripts as local processes, as many at once as the DAG
 * and the worker limit allow, with a folder of the run store as the volume.
 */
export class LocalBackend implements Backend {
  readonly name = 'local';

  constructor(private readonly options: LocalRunOptions) {}

  start(run: PipelineRun): Promise<RunHandle> {
    return this.startRequest(toRunRequest(run.pipeline, run.parameters), run.notebookDir, run.sweep);
  }

  /** Runs compiled step scripts with `cwd` as their working folder. */
  async startRequest(request: RunRequest, cwd: string, sweep?: SweepMembership): Promise<RunHandle> {
    topologicalOrder(request.steps); // refuse unknown dependencies and cycles before creating anything
    const store = this.options.store;
    const runId = store.newRunId(request.pipelineName);
    const state: RunState = {
      runId,
      backend: 'local',
      pipelineName: request.pipelineName,
      notebookPath: request.notebookPath,
      status: 'Pending',
      createdAt: now(),
      parameters: request.parameters,
      metrics: {},
      python: this.options.python,
      cwd,
      steps: request.steps.map(s => ({
        id: s.id,
        name: s.name,
        status: 'Pending',
        dependsOn: s.dependsOn,
        cached: false,
        attempts: 0
      })),
      ...(sweep ? { sweep } : {})
    };
    const run = new LocalRun(this.options, request, state, new Set());
    run.warm(); // the launcher's start-up (~25 ms) overlaps the writing of the run's files
    try {
      await store.create(runId, request, state);
    } catch (error) {
      run.abandon();
      throw error;
    }
    return run.handle();
  }

  /**
   * Runs a failed, cancelled or interrupted run again from the steps that did not succeed; with
   * `from`, also that step and everything downstream of it, without the cache (a value there may be
   * what went wrong), reusing the values of the steps above it.
   */
  async retry(state: RunState, from?: string): Promise<RunHandle> {
    return this.retryRequest(state, from);
  }

  /**
   * A retry with the notebook's code as it is now: the run's request takes the new step scripts,
   * and a step whose cache key changed (its code, the values of the parameters it reads, or
   * anything upstream) runs again as well; it may come from the cache, as in a new run.
   */
  async retryWithCode(state: RunState, run: PipelineRun, from?: string): Promise<RunHandle> {
    return this.retryRequest(state, from, toRunRequest(run.pipeline, run.parameters));
  }

  private async retryRequest(state: RunState, from?: string, current?: RunRequest): Promise<RunHandle> {
    const store = this.options.store;
    const runId = state.runId;
    const saved = store.load(runId);
    const stored = store.loadRequest(runId);
    const request = current ?? stored;
    const again = from === undefined ? new Set<string>() : downstreamOf(request, stepIdOf(saved, from));
    const changed = current ? changedSteps(stored, current) : new Set<string>();
    if (saved.status === 'Succeeded' && again.size === 0 && changed.size === 0) {
      throw new CellpipeError('conflict', `run '${runId}' succeeded: nothing to retry (\`--from STEP\` runs a step and what follows it again)`);
    }
    if ((saved.status === 'Running' || saved.status === 'Pending') && !runnerGone(saved)) {
      throw new CellpipeError('conflict', `run '${runId}' is still running (pid ${saved.runner?.pid}); cancel it first`);
    }
    if (current) {
      store.replaceRequest(runId, current);
      saved.parameters = current.parameters;
    }
    for (const step of saved.steps) {
      killLeftoverStep(step);
      if ((step.status !== 'Succeeded' && step.status !== 'Cached') || again.has(step.id) || changed.has(step.id)) {
        // A fan-out step's items that succeeded are kept for its retry, unless its code or inputs changed.
        const kept = again.has(step.id) || changed.has(step.id) ? undefined : step.instances;
        Object.assign(step, {
          instances: kept,
          status: 'Pending',
          message: undefined,
          failure: undefined,
          exitCode: undefined,
          pid: undefined,
          pidStartTime: undefined,
          cached: false
        });
        step.startedAt = step.finishedAt = undefined;
      }
    }
    if (existsSync(store.cancelMarker(runId))) {
      unlinkSync(store.cancelMarker(runId));
    }
    Object.assign(saved, { status: 'Pending', message: undefined, finishedAt: undefined });
    return this.execute(request, saved, again);
  }

  /**
   * A run of another process (the CLI, another service) is asked to stop through a marker its
   * runner polls for; a run whose runner died has its steps killed and is recorded as cancelled.
   */
  async cancel(state: RunState): Promise<string> {
    const { store } = this.options;
    const runId = state.runId;
    if (isFinished(state.status)) {
      throw new CellpipeError('conflict', `run ${runId} is ${state.status}: nothing to cancel`);
    }
    if (!runnerGone(state)) {
      writeFileSync(store.cancelMarker(runId), new Date().toISOString(), { mode: PRIVATE_FILE_MODE });
      return `cancel requested for run ${runId}`;
    }
    for (const step of state.steps) {
      killLeftoverStep(step);
      if (step.status === 'Running' || step.status === 'Pending') {
        Object.assign(step, { status: 'Cancelled', pid: undefined, pidStartTime: undefined, message: 'cancelled' });
      }
    }
    store.save({ ...state, status: 'Cancelled', finishedAt: new Date().toISOString() });
    return `run ${runId} cancelled (its runner had stopped)`;
  }

  /**
   * A local run's state is its run.json; a run whose runner died reads as failed, and the steps it
   * left running (a runner killed with steps started the 'spawn' way, which nothing else ends) are
   * ended now, when provably its own: nothing goes on writing into a run reported failed.
   */
  async refresh(state: RunState): Promise<RunState> {
    if (runnerGone(state)) {
      state.steps.forEach(killLeftoverStep);
    }
    return observedState(state);
  }

  async stepLog(state: RunState, stepId: string, member?: StepMember): Promise<string> {
    if (member) {
      const path = this.options.store.instanceLogPath(state.runId, stepId, member.index, member.group);
      return existsSync(path) ? readFileSync(path, 'utf8') : '';
    }
    return this.options.store.readLog(state.runId, stepId) ?? '';
  }

  async stepOutputs(state: RunState, stepId: string): Promise<OutputSummary[]> {
    return readOutputSummaries(join(this.options.store.dataDir(state.runId), stepId));
  }

  /** `fresh`: steps that must run, not be restored from the cache. */
  private async execute(request: RunRequest, state: RunState, fresh: ReadonlySet<string> = new Set()): Promise<RunHandle> {
    return new LocalRun(this.options, request, state, fresh).handle();
  }
}

/** One execution of a run (a first run or a retry) inside this process. */
class LocalRun {
  /** Processes running, by step id (a fan-out step's: `ID#ITEM` and `ID#gather`). */
  private readonly running = new Map<string, StepProcess>();
  /** Fan-out steps whose instances or gather have not ended, by step id. */
  private readonly fanOuts = new Map<string, FanOutProgress>();
  /** Distributed steps whose workers have not all ended and been accounted for. */
  private readonly distributed = new Set<string>();
  /** Steps whose start is under way (a cache lookup, or waiting for the process id), by id. */
  private readonly starting = new Set<string>();
  /**
   * Steps whose start the launcher was asked for ahead (armSuccessor), by the step whose end it
   * waits for: each takes no worker slot until that step has ended (it takes that step's).
   */
  private readonly armedOn = new Map<string, string>();
  /** Callbacks waiting for a running step's status to be final (whenSettled), by step id. */
  private readonly settleWaiters = new Map<string, Array<() => void>>();
  private readonly keys: Map<string, string>;
  private cancelled = false;
  /**
   * Why the run cannot go on, when its own records failed (its folder removed while it ran, by a
   * step's code or by hand): it then stops, its steps are ended, and it fails with these words.
   * Such an error ends this run only, never the process that runs it (the service runs others).
   */
  private broken: string | undefined;
  /** Something changed (a step ended, cancel) since the scheduling loop last looked. */
  private changed = false;
  private resumeLoop: (() => void) | undefined;
  /** A write of run.json due at the end of this turn of the event loop (see persist). */
  private pendingPersist: NodeJS.Immediate | undefined;
  /** Threads of each step's numerical libraries (threadLimits.ts). */
  private readonly threads: number;
  /** Starts this run's step processes, when they are forked (see forkServer.ts). */
  private readonly forkServer: ForkServer | undefined;

  constructor(
    private readonly options: LocalRunOptions,
    private readonly request: RunRequest,
    private readonly state: RunState,
    private readonly fresh: ReadonlySet<string>
  ) {
    this.keys = cacheKeys(request);
    this.threads = threadsPerStep(options.workers);
    this.forkServer = (options.launcher ?? defaultLauncherKind()) === 'fork' ? claimForkServer(options.python, this.threads) : undefined;
  }

  private get store(): RunStore {
    return this.options.store;
  }

  /** Executes the run; its handle. */
  handle(): RunHandle {
    return { runId: this.state.runId, done: this.execute(), cancel: () => this.cancel() };
  }

  /** Starts the step launcher now, ahead of execute. */
  warm(): void {
    this.forkServer?.warm();
  }

  /** Stops the launcher of a run that will not be executed. */
  abandon(): void {
    this.forkServer?.close();
  }

  cancel(): void {
    if (this.cancelled) {
      return;
    }
    this.cancelled = true;
    for (const proc of this.running.values()) {
      proc.kill();
    }
    this.wake();
  }

  async execute(): Promise<RunState> {
    const { state } = this;
    state.status = 'Running';
    state.startedAt = state.startedAt ?? now();
    state.runner = { pid: process.pid, host: hostname(), startTime: processStartTime(process.pid) };
    const toRun = new Set(state.steps.filter(s => s.status === 'Pending').map(s => s.id));
    if (toRun.size) {
      // Starts the launcher now (its start-up overlaps this runner's own), with the steps' libraries.
      this.forkServer?.preload(this.request.steps.filter(s => toRun.has(s.id)));
      this.writeRuntime();
    }
    this.persistNow(); // the caller of start or retry reads the run as going
    this.emit({ type: 'run', runId: state.runId, status: 'Running' });
    const poll = setInterval(() => {
      if (existsSync(this.store.cancelMarker(state.runId))) {
        this.cancel();
      }
    }, CANCEL_POLL_MS);
    try {
      await this.loop();
    } finally {
      clearInterval(poll);
      this.forkServer?.close();
    }
    return this.finish();
  }

  /**
   * Writes the run's runtime file, which its step scripts import, to the run's data folder before
   * any step starts (as the setup task of a cluster run does on its volume).
   */
  private writeRuntime(): void {
    if (this.request.runtime !== undefined) {
      const folder = join(this.store.dataDir(this.state.runId), RUNTIME_FOLDER);
      mkdirSync(folder, { recursive: true, mode: PRIVATE_DIR_MODE });
      writeFileAtomic(join(folder, RUNTIME_FILE), this.request.runtime);
    }
  }

  private async loop(): Promise<void> {
    const workers = Math.max(1, this.options.workers);
    for (;;) {
      if (this.cancelled) {
        // (A step being started is settled by its own process's end.)
        for (const step of this.state.steps.filter(s => s.status === 'Pending' && !this.starting.has(s.id))) {
          this.update(step, { status: 'Cancelled', message: this.broken ?? 'the run was cancelled' });
        }
      }
      for (let blocked = this.blocked(); blocked.length; blocked = this.blocked()) {
        for (const { step, blockedBy } of blocked) {
          const why = blockedBy.status === 'Failed' ? 'failed' : blockedBy.status === 'Cancelled' ? 'was cancelled' : 'was skipped';
          this.update(step, { status: 'Skipped', message: `not run: step '${blockedBy.name}' ${why}` });
        }
      }
      if (!this.cancelled) {
        // Each ready step starts on its own (a cache lookup, then its process) and wakes the loop
        // when it has: a step that becomes ready meanwhile starts without waiting for the others'
        // process ids (with 4 steps ending together, that wait was ~5 ms of every run's critical path).
        const free = Math.max(0, workers - this.busySlots());
        for (const step of readySteps(this.state.steps)
          .filter(s => !this.starting.has(s.id))
          .slice(0, free)) {
          this.starting.add(step.id);
          void this.startStep(step)
            .catch(error => this.stop(error))
            .finally(() => {
              this.starting.delete(step.id);
              this.wake();
            });
        }
      }
      await this.advanceFanOuts(workers);
      // A step may have ended while the ready ones were starting (a fast failure): its dependants,
      // now blocked, or the steps a cancel left pending, are settled at the top before the run ends.
      const unsettled =
        blockedSteps(this.state.steps).length > 0 ||
        this.fanOuts.size > 0 ||
        this.distributed.size > 0 ||
        this.starting.size > 0 ||
        (this.cancelled && this.state.steps.some(s => s.status === 'Pending'));
      if (this.running.size === 0 && !unsettled && (this.cancelled || readySteps(this.state.steps).length === 0)) {
        return;
      }
      // Something is under way (a process, a step starting, or the bookkeeping after a group of them ended): wait for it to wake the loop.
      if ((this.running.size > 0 || this.starting.size > 0 || this.distributed.size > 0 || this.fanOuts.size > 0) && !this.changed) {
        await new Promise<void>(resolve => (this.resumeLoop = resolve));
      }
      this.changed = false;
    }
  }

  /**
   * The steps that can never run now, as blockedSteps finds them, but a step asked of the launcher
   * ahead: it is settled once the launcher has said it did not start it (as cancelled, when the run is).
   */
  private blocked(): ReturnType<typeof blockedSteps> {
    return blockedSteps(this.state.steps).filter(({ step }) => !this.starting.has(step.id));
  }

  /**
   * Worker slots taken: the processes running, and the steps being started that have none yet, but
   * a step asked of the launcher ahead while the step it waits for still runs.
   */
  private busySlots(): number {
    const waiting = (id: string): boolean => this.running.has(this.armedOn.get(id) ?? '');
    let busy = 0;
    this.running.forEach((_, key) => (busy += waiting(key) ? 0 : 1));
    this.starting.forEach(id => (busy += this.running.has(id) || waiting(id) ? 0 : 1));
    return busy;
  }

  /**
   * Starts a ready step: from the cache, or as a process. With `after`, a step asked of the launcher
   * ahead (armSuccessor), which starts it when `after.parent`'s process ends, if that step succeeded.
   */
  private async startStep(step: StepState, after?: { parent: StepState; pid: number }): Promise<void> {
    const spec = this.request.steps.find(s => s.id === step.id)!;
    const key = this.keys.get(step.id)!;
    step.cacheKey = key;
    if (!after && this.usesCache(spec)) {
      const wait = claimSharedStep(this.store.home, key, this.holderOf(step));
      if (wait) {
        this.waitForSharedStep(step, wait);
        return;
      }
      const hit = await findCached(this.store, key);
      if (hit) {
        await restoreCached(this.store, hit, this.state.runId, step.id);
        const shown = this.store.readCellOutputs(this.state.runId, step.id)?.cells.map(record => record.cell) ?? [];
        if (shown.length) {
          this.emit({ type: 'cell-outputs', runId: this.state.runId, stepId: step.id, cells: shown });
        }
        const served = await this.serve(step); // a served model is served again, from the model it saved
        const at = now();
        this.update(step, {
          status: served && served.status !== 'Ready' ? 'Failed' : 'Cached',
          cached: true,
          startedAt: at,
          finishedAt: at,
          metrics: this.readMetrics(step.id),
          served,
          // A fan-out step's items came from the cache with it.
          ...(spec.fanOut ? { instances: this.cachedInstances(spec.fanOut) } : {}),
          message:
            served && served.status !== 'Ready'
              ? `its model (from run ${hit.runId}) could not be served: ${served.message}`
              : `outputs reused from run ${hit.runId}`
        });
        this.changed = true; // its dependants may be ready now
        return;
      }
    }
    // Success is the runtime's completion record, so none may be left from an earlier attempt.
    rmSync(this.resultPath(step.id), { force: true });
    if (step.attempts > 0) {
      this.store.setAttemptAside(this.state.runId, step.id, step.attempts);
    }
    if (spec.fanOut) {
      this.expandFanOut(step, spec.fanOut);
      return;
    }
    if (spec.distributed) {
      await this.startWorkers(step, spec.distributed.workers, key);
      return;
    }
    const proc = this.launch(step, step.id, {}, after && { pid: after.pid, resultPath: this.resultPath(after.parent.id) });
    const pid = await proc.pid;
    if (after && !(await this.startedAfter(step, after.parent, proc, pid))) {
      return; // not started: scheduled as any other step (or skipped, as the step it waited for failed)
    }
    this.update(step, {
      status: 'Running',
      startedAt: now(),
      finishedAt: undefined,
      cached: false,
      attempts: step.attempts + 1,
      pid,
      pidStartTime: pid === undefined ? undefined : processStartTime(pid)
    });
    this.whenEnded(step.id, proc, exit => this.stepEnded(step, key, exit));
    if (pid !== undefined) {
      this.armSuccessor(step, pid);
    }
  }

  /** Whether the step may use the cache: restored from it when its key is there, recorded in it when it succeeds. */
  private usesCache(spec: RunnableStep): boolean {
    return spec.cache && this.options.cache !== false && !this.fresh.has(spec.id);
  }

  /**
   * Asks the launcher now to start the step that becomes ready when `parent` succeeds (its only
   * dependency not succeeded yet), so that it starts the moment `parent`'s process ends instead of
   * once this runner has heard of that end, recorded it and asked: ~2 ms of every step boundary, and
   * more when steps end together (this runner handles their ends one by one, each successor waiting
   * for the ends handled before). One step per parent: it takes the parent's worker slot. Only a
   * plain step (not fanned out, distributed or served, after a parent that serves no model: their
   * success is decided here), and, when it may use the cache, one that the cache has no record of
   * and that no other run computes now; its key is claimed now, as a start would.
   */
  private armSuccessor(parent: StepState, pid: number): void {
    if (!this.forkServer?.usable || this.cancelled || this.request.steps.find(s => s.id === parent.id)!.serve) {
      return;
    }
    const successor = stepReadyAfter(this.state.steps, parent.id, this.starting);
    const spec = successor && this.request.steps.find(s => s.id === successor.id)!;
    if (!successor || !spec || spec.fanOut || spec.distributed || spec.serve || successor.attempts > 0) {
      return; // (a step run before, in a retry: its earlier attempt is set aside only when it starts)
    }
    const key = this.keys.get(successor.id)!;
    if (this.usesCache(spec) && (existsSync(this.store.cachePath(key)) || claimSharedStep(this.store.home, key, this.holderOf(successor)))) {
      return; // restored from the cache, or waits for another run's same step, once ready
    }
    this.armedOn.set(successor.id, parent.id);
    this.starting.add(successor.id);
    void this.startStep(successor, { parent, pid })
      .catch(error => this.stop(error))
      .finally(() => {
        this.armedOn.delete(successor.id);
        this.starting.delete(successor.id);
        this.wake();
      });
  }

  /**
   * For a step asked of the launcher ahead, once the launcher answered (`pid`, or none when it did not
   * start it): whether it started and goes on as any started step. Waits first for the status of
   * the step it waited for to be final here, so that its start is reported after that step's end.
   */
  private async startedAfter(step: StepState, parent: StepState, proc: StepProcess, pid: number | undefined): Promise<boolean> {
    await this.whenSettled(parent.id);
    this.armedOn.delete(step.id);
    if (pid === undefined) {
      const exit = await proc.exited;
      if (exit.notStarted === undefined) {
        return true; // it could not start: reported as any start that failed
      }
    } else if (parent.status === 'Succeeded' && !this.cancelled) {
      return true; // (a parent that removed the run's folder stopped the run at its end: stepEnded)
    } else {
      // The run is stopping, or the launcher judged the parent's end a success and this runner did
      // not (it tests the same record): the step must not run.
      proc.kill(0);
      await proc.exited;
    }
    this.running.delete(step.id);
    return false;
  }

  /** Resolves once step `id`'s status is final here (at once if it is not running). */
  private whenSettled(id: string): Promise<void> {
    if (!this.running.has(id)) {
      return Promise.resolve();
    }
    return new Promise(resolve => this.settleWaiters.set(id, [...(this.settleWaiters.get(id) ?? []), resolve]));
  }

  /**
   * Another run computes the step's cache key right now (sharedSteps.ts): the step waits for it,
   * counted as running, then is Pending again, to be restored from the cache or, if that run's
   * step failed, run here.
   */
  private waitForSharedStep(step: StepState, wait: SharedStepWait): void {
    this.running.set(step.id, wait.process);
    this.update(step, { status: 'Running', startedAt: now(), message: `waiting for the same step in run ${wait.runId}` });
    this.whenEnded(step.id, wait.process, () =>
      this.update(
        step,
        this.cancelled
          ? { status: 'Cancelled', finishedAt: now(), message: this.broken ?? 'cancelled' }
          : { status: 'Pending', startedAt: undefined, message: undefined }
      )
    );
  }

  /** A fan-out step restored from the cache: each of its items, Cached. */
  private cachedInstances(fanOut: NonNullable<RunnableStep['fanOut']>): InstanceState[] {
    const count = itemCount(this.store.dataDir(this.state.runId), fanOut.from, fanOut.over);
    return Array.from({ length: count }, () => ({ status: 'Cached' }));
  }

  /** The step as the holder of a shared cache key. */
  private holderOf(step: StepState): string {
    return `${this.state.runId}/${step.id}`;
  }

  /**
   * Starts a process of the step's script: the step itself, one of its fan-out items (`item`), or
   * its gather; kept in `running` under `key` until whenEnded's handler has recorded its end.
   */
  private launch(
    step: StepState,
    key: string,
    mode: { item?: number; gather?: boolean; worker?: WorkerPlace },
    after?: StepLaunch['after']
  ): StepProcess {
    const { runId } = this.state;
    const { item, worker } = mode;
    // A fan-out item, and a distributed step's worker but rank 0, log apart (rank 0's log is the step's).
    const apart: [number, 'items' | 'ranks'] | undefined =
      item !== undefined ? [item, 'items'] : worker && worker.rank > 0 ? [worker.rank, 'ranks'] : undefined;
    const logPath = apart ? this.store.instanceLogPath(runId, step.id, ...apart) : this.store.logPath(runId, step.id);
    const eventsPath = apart ? this.store.instanceEventsPath(runId, step.id, ...apart) : this.store.eventsPath(runId, step.id);
    if (apart) {
      mkdirSync(join(logPath, '..'), { recursive: true, mode: PRIVATE_DIR_MODE });
      rmSync(logPath, { force: true });
      rmSync(eventsPath, { force: true });
    }
    const proc = startStepProcess(
      {
        python: this.options.python,
        script: this.store.scriptPath(runId, step.id),
        cwd: this.state.cwd ?? process.cwd(),
        logPath,
        upcoming: this.upcoming(step, item),
        after,
        env: {
          [RUNTIME_ENV.dataDir]: this.store.dataDir(runId),
          [RUNTIME_ENV.parameters]: JSON.stringify(this.request.parameters),
          [RUNTIME_ENV.events]: eventsPath,
          ...threadLimitVariables(this.threads),
          ...(item === undefined ? {} : { [RUNTIME_ENV.item]: String(item) }),
          ...(mode.gather ? { [RUNTIME_ENV.gather]: '1' } : {}),
          ...(worker ? torchrunEnvironment(worker) : {}),
          ...(this.request.steps.find(s => s.id === step.id)?.serve ? { [RUNTIME_ENV.modelsDir]: this.store.modelsDir() } : {}),
          CELLPIPE_RUN_ID: runId,
          // Decision: no fsync on this machine unless asked (CELLPIPE_FSYNC=1). The runtime's
          // temporary-file-then-rename already keeps a killed step from leaving a partial value;
          // fsync only guards against power loss or an OS crash, after which the manifest's size
          // and crc32 make a damaged value fail to load with "re-run step X".
          // Measured (npm run bench): ~15 ms less per step on a trivial chain. Pods keep the default.
          [RUNTIME_ENV.fsync]: process.env[RUNTIME_ENV.fsync] ?? '0'
        },
        onOutput: (stream, text) => this.emit({ type: 'log', runId, stepId: step.id, stream, text }),
        events: {
          path: eventsPath,
          onEvent: event => {
            // An item's cells' outputs are shown once the gather has put the items' together.
            if (event.event === 'cell-outputs' && Number.isInteger(event.cell) && !apart) {
              this.emit({ type: 'cell-outputs', runId, stepId: step.id, cells: [event.cell as number] });
            }
          }
        }
      },
      this.forkServer?.launch ?? spawnStep
    );
    this.running.set(key, proc);
    return proc;
  }

  /**
   * How many processes the run may ask to start at once while `step` (or its fan-out `item`) runs,
   * up to its workers: this fan-out's other items and its gather, or the steps that may start as
   * soon as what they wait for ends (a chain's next step: one; four branches' second steps: four).
   */
  private upcoming(step: StepState, item: number | undefined): number {
    const workers = Math.max(1, this.options.workers);
    if (item !== undefined) {
      return workers;
    }
    return Math.min(workers, stepsStartingSoon(this.state.steps, new Set([...this.starting, step.id])).length);
  }

  /** Runs `ended` when the process ends, then lets the scheduling loop look again. */
  private whenEnded(key: string, proc: StepProcess, ended: (exit: StepExit) => Promise<void> | void): void {
    void proc.exited.then(async exit => {
      // The process stays in `running` until its step's status is final: the scheduling loop must
      // never see it gone while its step still says Running, or it would end the run too early.
      try {
        await ended(exit);
      } catch (error) {
        this.stop(error);
      } finally {
        this.running.delete(key);
        this.settleWaiters.get(key)?.forEach(resolve => resolve());
        this.settleWaiters.delete(key);
        this.wake();
      }
    });
  }

  /**
   * A distributed step: its `count` workers start together (they wait for each other in
   * `init_process_group`, so the run's worker limit does not hold them back), with torchrun's
   * environment on loopback. The first worker to fail stops the others and fails the step; it
   * succeeds when every worker did and rank 0 recorded the step's end.
   */
  private async startWorkers(step: StepState, count: number, key: string): Promise<void> {
    this.distributed.add(step.id);
    const port = await freePort();
    const workers: InstanceState[] = Array.from({ length: count }, () => ({ status: 'Running' }));
    const processes = workers.map((_, rank) => this.launch(step, `${step.id}#rank${rank}`, { worker: { rank, count, port } }));
    const pids = await Promise.all(processes.map(proc => proc.pid));
    pids.forEach((pid, rank) => Object.assign(workers[rank], { pid, pidStartTime: pid === undefined ? undefined : processStartTime(pid) }));
    this.update(step, { status: 'Running', startedAt: now(), finishedAt: undefined, cached: false, attempts: step.attempts + 1, workers });
    let stopped = false;
    const exits = processes.map(
      (proc, rank) =>
        new Promise<void>(resolve =>
          this.whenEnded(`${step.id}#rank${rank}`, proc, exit => {
            const worker = workers[rank];
            Object.assign(worker, { exitCode: exit.code, pid: undefined, pidStartTime: undefined });
            if (exit.code === 0) {
              worker.status = 'Succeeded';
            } else if (stopped || this.cancelled) {
              Object.assign(worker, { status: 'Cancelled', message: this.cancelled ? 'cancelled' : 'stopped: another worker failed' });
            } else {
              const events =
                rank === 0
                  ? this.store.eventsPath(this.state.runId, step.id)
                  : this.store.instanceEventsPath(this.state.runId, step.id, rank, 'ranks');
              Object.assign(worker, { status: 'Failed', ...this.failureOf(events, exit.code, exit.signal) });
              stopped = true;
              processes.forEach(other => other.kill()); // fail fast: the others would wait for it forever
            }
            this.update(step, {});
            resolve();
          })
        )
    );
    void Promise.all(exits)
      .then(() => this.workersEnded(step, key, workers))
      .catch(error => this.stop(error))
      .finally(() => {
        this.distributed.delete(step.id);
        this.wake();
      });
  }

  /** Every worker of a distributed step ended: its outcome is theirs (the first failed rank's account). */
  private async workersEnded(step: StepState, key: string, workers: InstanceState[]): Promise<void> {
    const failed = workers.findIndex(worker => worker.status === 'Failed');
    if (failed < 0 && workers.every(worker => worker.status === 'Succeeded')) {
      await this.stepEnded(step, key, { code: 0, signal: null });
      return;
    }
    const first = workers[failed];
    this.update(step, {
      status: this.cancelled && !first ? 'Cancelled' : 'Failed',
      finishedAt: now(),
      exitCode: first?.exitCode,
      message: first ? `rank ${failed} of ${workers.length} workers failed: ${first.message ?? 'see its log'}` : (this.broken ?? 'cancelled'),
      failure: first?.failure
    });
  }

  /**
   * A fan-out step whose list is made: its instances, one per item, start as workers free up
   * (advanceFanOuts). Items that succeeded in the attempt before, with the same list, are kept.
   */
  private expandFanOut(step: StepState, fanOut: NonNullable<RunnableStep['fanOut']>): void {
    const count = itemCount(this.store.dataDir(this.state.runId), fanOut.from, fanOut.over);
    const before = step.instances;
    const kept = new Set(
      before?.length === count
        ? before.flatMap((instance, i) => (instance.status === 'Succeeded' && this.completed(instanceDir(step.id, i)) ? [i] : []))
        : []
    );
    this.fanOuts.set(step.id, new FanOutProgress(step, count, fanOut.parallelism, kept));
    this.update(step, { status: 'Running', startedAt: now(), finishedAt: undefined, cached: false, attempts: step.attempts + 1 });
  }

  /** Starts the fan-out items there is room for, and the gather of those whose items all ended. */
  private async advanceFanOuts(workers: number): Promise<void> {
    for (const progress of this.fanOuts.values()) {
      if (progress.gathering) {
        continue;
      }
      const items = this.cancelled || this.broken !== undefined ? [] : progress.startable(Math.max(0, workers - this.busySlots()));
      await Promise.all(items.map(item => this.startInstance(progress, item)));
      if (progress.settled(this.cancelled)) {
        this.itemsEnded(progress);
      }
    }
  }

  private async startInstance(progress: FanOutProgress, item: number): Promise<void> {
    const { step } = progress;
    const instance = progress.instances[item];
    progress.running.add(item);
    Object.assign(instance, { status: 'Running', message: undefined, failure: undefined, exitCode: undefined });
    // Success is the runtime's completion record, so none may be left from an earlier attempt.
    rmSync(join(this.store.dataDir(this.state.runId), instanceDir(step.id, item), STEP_RESULT_FILE), { force: true });
    const key = `${step.id}#${item}`;
    const proc = this.launch(step, key, { item });
    const pid = await proc.pid;
    Object.assign(instance, { pid, pidStartTime: pid === undefined ? undefined : processStartTime(pid) });
    this.update(step, {});
    this.whenEnded(key, proc, exit => {
      progress.running.delete(item);
      const ended = { exitCode: exit.code, pid: undefined, pidStartTime: undefined };
      if (exit.code === 0 && this.completed(instanceDir(step.id, item))) {
        Object.assign(instance, { ...ended, status: 'Succeeded' });
      } else if (this.cancelled) {
        Object.assign(instance, { ...ended, status: 'Cancelled', message: 'cancelled' });
      } else {
        const events = this.store.instanceEventsPath(this.state.runId, step.id, item);
        Object.assign(instance, { ...ended, status: 'Failed', ...this.failureOf(events, exit.code, exit.signal) });
      }
      this.update(step, {});
    });
  }

  /** Every item ended (or no more can start): the step fails with its first failed item, or its gather starts. */
  private itemsEnded(progress: FanOutProgress): void {
    const { step } = progress;
    this.writeItemsLog(progress);
    const failed = progress.failed();
    if (this.cancelled || failed !== undefined) {
      this.fanOuts.delete(step.id);
      progress.leaveUnstarted(this.cancelled ? 'Cancelled' : 'Skipped');
      const first = failed === undefined ? undefined : progress.instances[failed];
      this.update(
        step,
        first
          ? { status: 'Failed', finishedAt: now(), exitCode: first.exitCode, message: progress.failureMessage(), failure: first.failure }
          : { status: 'Cancelled', finishedAt: now(), message: this.broken ?? 'cancelled' }
      );
      return;
    }
    progress.gathering = true;
    const key = `${step.id}#gather`;
    const proc = this.launch(step, key, { gather: true });
    this.whenEnded(key, proc, async exit => {
      this.fanOuts.delete(step.id);
      await this.stepEnded(step, step.cacheKey!, exit);
      const shown = this.store.readCellOutputs(this.state.runId, step.id)?.cells.map(record => record.cell) ?? [];
      if (shown.length) {
        this.emit({ type: 'cell-outputs', runId: this.state.runId, stepId: step.id, cells: shown });
      }
    });
  }

  /**
   * The step's log: every item's, in item order, which is what the loop prints (each item's own
   * log stays in the step's folder, `items/N/log`, and its status in StepState.instances).
   */
  private writeItemsLog(progress: FanOutProgress): void {
    const { runId } = this.state;
    const logs = progress.instances.map((_, item) => {
      const path = this.store.instanceLogPath(runId, progress.step.id, item);
      return existsSync(path) ? readFileSync(path, 'utf8') : '';
    });
    writeFileSync(this.store.logPath(runId, progress.step.id), logs.join(''), { mode: PRIVATE_FILE_MODE });
  }

  private async stepEnded(step: StepState, key: string, exit: StepExit): Promise<void> {
    const ended = { finishedAt: now(), exitCode: exit.code, pid: undefined, pidStartTime: undefined };
    try {
      if (exit.code === 0 && this.completed(step.id)) {
        const served = await this.serve(step);
        if (served && served.status !== 'Ready') {
          this.update(step, { ...ended, status: 'Failed', served, message: `its model was saved but could not be served: ${served.message}` });
          return;
        }
        recordCached(this.store, key, { runId: this.state.runId, stepId: step.id });
        this.update(step, { ...ended, status: 'Succeeded', metrics: this.readMetrics(step.id), served });
      } else if (this.broken) {
        this.update(step, { ...ended, status: 'Failed', message: this.broken });
      } else if (this.cancelled) {
        this.update(step, { ...ended, status: 'Cancelled', message: 'cancelled' });
      } else {
        const failure = exit.spawnError
          ? { message: exit.spawnError }
          : exit.code === 0
            ? { message: this.unfinished() }
            : this.failureOf(this.store.eventsPath(this.state.runId, step.id), exit.code, exit.signal);
        this.update(step, { ...ended, status: 'Failed', ...failure });
      }
    } finally {
      // The step's code may have removed the run's folder: found at its end, as the write of this end
      // (at the end of the turn) would find it, before another step of the run starts.
      if (this.broken === undefined && !this.store.intact(this.state)) {
        this.stop(this.store.removed(this.state.runId));
      }
    }
  }

  /**
   * A `serve:` step's model, served (modelServer.ts) once the step succeeded: its server's URL and
   * status, and the answer to the step's sample. Undefined for other steps.
   */
  private async serve(step: StepState): Promise<ServedModelState | undefined> {
    if (!this.request.steps.find(s => s.id === step.id)?.serve) {
      return undefined;
    }
    try {
      const document = readServeDocument(join(this.store.dataDir(this.state.runId), step.id));
      const python = await servingPython(this.options.python, document.sklearn);
      return await serveModel(document, this.store.modelsDir(), python);
    } catch (error) {
      return { name: step.name, url: '', status: 'Failed', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The runtime's result document of a step (or of a fan-out item: its folder, instanceDir). */
  private resultPath(folder: string): string {
    return join(this.store.dataDir(this.state.runId), folder, STEP_RESULT_FILE);
  }

  /**
   * Whether the runtime recorded that the step ran to its end. An exit status of 0 alone does not
   * say so: the user's code may end the process early (`os._exit(0)`), or the "Python" may not be one.
   */
  private completed(folder: string): boolean {
    try {
      return readStepResult(readFileSync(this.resultPath(folder), 'utf8'))?.status === 'Succeeded';
    } catch {
      return false;
    }
  }

  private unfinished(): string {
    return (
      `the step's process exited with code 0 before the cellpipe runtime recorded the step's end (${STEP_RESULT_FILE}): ` +
      `the step's code ended the process early (os._exit, or a library exiting), or '${this.options.python}' does not run Python scripts`
    );
  }

  /** Stops the run because of `error` in its own records (see `broken`): ends its steps, fails it. */
  private stop(error: unknown): void {
    if (this.broken === undefined) {
      // An error of a file of the run (ENOENT...) is, when its folder was removed, that removal.
      const cause = this.store.intact(this.state) ? error : this.store.removed(this.state.runId);
      const why = cause instanceof Error ? cause.message : String(cause);
      this.broken = `${why}; the run was stopped and its steps ended. Start the run again`;
    }
    this.cancel();
  }

  /** The runtime's own account of the failure (its `failed` event), else the exit status in words. */
  private failureOf(eventsPath: string, code: number | null, signal: string | null): Pick<StepState, 'message' | 'failure'> {
    let lines: string[] = [];
    try {
      lines = readFileSync(eventsPath, 'utf8').trim().split('\n').reverse();
    } catch {
      // no events: the step ended before the runtime started
    }
    for (const line of lines) {
      try {
        const event = JSON.parse(line);
        const described = event.event === 'failed' ? describeFailure(event) : undefined;
        if (described) {
          return described;
        }
      } catch {
        // a line cut short by a kill
      }
    }
    return { message: signal ? `the step's process was killed by ${signal}` : `the step's process exited with code ${code}` };
  }

  private readMetrics(stepId: string): Record<string, number> | undefined {
    const path = join(this.store.dataDir(this.state.runId), stepId, METRICS_FILE);
    if (!existsSync(path)) {
      return undefined;
    }
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return undefined;
    }
  }

  private wake(): void {
    this.changed = true;
    this.resumeLoop?.();
    this.resumeLoop = undefined;
  }

  private update(step: StepState, change: Partial<StepState>): void {
    Object.assign(step, change);
    if (change.status && change.status !== 'Pending' && change.status !== 'Running' && step.cacheKey) {
      endSharedStep(this.store.home, step.cacheKey, this.holderOf(step), change.status === 'Succeeded' || change.status === 'Cached');
    }
    this.persist();
    this.emit({ type: 'step', runId: this.state.runId, step: { ...step } });
  }

  private finish(): RunState {
    const { state } = this;
    const statuses = state.steps.map(s => s.status);
    state.status = this.cancelled ? 'Cancelled' : statuses.every(s => s === 'Succeeded' || s === 'Cached') ? 'Succeeded' : 'Failed';
    const failed = state.steps.filter(s => s.status === 'Failed');
    state.message = failed.length ? failed.map(s => `step '${s.name}' failed: ${s.message}`).join('; ') : undefined;
    state.metrics = Object.assign({}, ...state.steps.map(s => s.metrics ?? {}));
    state.finishedAt = now();
    this.persistNow();
    if (this.broken !== undefined) {
      Object.assign(state, { status: 'Failed', message: this.broken });
      // What broke the run may have left its folder (an error of one file): then its end is
      // recorded there, so that no reader takes it for a run still going.
      try {
        if (this.store.intact(state)) {
          this.store.save(state);
        }
      } catch {
        // nowhere to record it: the run's message says so
      }
    }
    this.emit({ type: 'run', runId: state.runId, status: state.status, message: state.message });
    return state;
  }

  /**
   * Records the run's state in its folder (run.json) at the end of this turn of the event loop,
   * once however many changes the turn made: four steps ending together made eight changes (their
   * ends, their dependants' starts), each a write and a rename of ~1 ms, all of them on the run's
   * critical path before the last dependant could start. Readers in this process get states from
   * events; the file lags them by less than a turn. The run's start and end are written at once
   * (persistNow): whoever started or retried it reads it as going, and its end before `done`.
   */
  private persist(): void {
    this.pendingPersist ??= setImmediate(() => this.persistNow());
  }

  /** Records the run's state in its folder now (see persist). */
  private persistNow(): void {
    clearImmediate(this.pendingPersist);
    this.pendingPersist = undefined;
    if (this.broken !== undefined) {
      return; // nowhere to record it: the run's message says so
    }
    try {
      this.store.save(this.state);
    } catch (error) {
      this.stop(error);
    }
  }

  private emit(event: RunEvent): void {
    this.options.onEvent?.(event);
  }
}

/** The id of the run's step named or identified by `step`; not-found, listing the steps, otherwise. */
function stepIdOf(state: RunState, step: string): string {
  const found = state.steps.find(s => s.id === step) ?? state.steps.find(s => s.name === step);
  if (!found) {
    const names = state.steps.map(s => JSON.stringify(s.name)).join(', ');
    throw new CellpipeError('not-found', `run ${state.runId} has no step ${JSON.stringify(step)}; its steps are ${names}`);
  }
  return found.id;
}

/** `stepId` and every step that depends on it, directly or not. */
function downstreamOf(request: RunRequest, stepId: string): Set<string> {
  const found = new Set([stepId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const step of request.steps) {
      if (!found.has(step.id) && step.dependsOn.some(dep => found.has(dep))) {
        found.add(step.id);
        grew = true;
      }
    }
  }
  return found;
}
