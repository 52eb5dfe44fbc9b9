import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { RUNTIME_ENV, RUNTIME_FILE, RUNTIME_FOLDER, RUNTIME_MODULE } from '../../../../src/core/compile/runtime/contract';
import type { RunnableStep } from '../../../../src/core/run/types';
import { isSameProcess, processStartTime } from './processIdentity';
import { threadLimitVariables, threadsPerStep } from './threadLimits';
import { cacheHome } from '../../cacheHome';
import { stepEnvironment } from '../../stepEnvironment';
import { killGroup, notStarted, spawnStep, type StepExit, type StepLaunch, type StepLauncher } from './stepProcess';
import { launcherArguments } from './launcherCommand';

/**
 * How the local backend starts step processes:
 * - 'fork': one launcher process per run (step_launcher.py) imports what the runtime needs and
 *   the run's runtime file once, then forks a child per step that runs the step's script as
 *   `python -u SCRIPT` would. Saves ~30 ms of CPU per step (measured: `npm run bench`).
 * - 'spawn': a new interpreter per step.
 * Default: 'fork' on Linux (where fork is what Python's own multiprocessing uses), else 'spawn';
 * CELLPIPE_LAUNCHER=spawn|fork overrides.
 */
export type LauncherKind = 'fork' | 'spawn';

export function defaultLauncherKind(env: NodeJS.ProcessEnv = process.env): LauncherKind {
  const asked = env.CELLPIPE_LAUNCHER;
  if (asked === 'fork' || asked === 'spawn') {
    return asked;
  }
  return process.platform === 'linux' ? 'fork' : 'spawn';
}

/** What the launcher needs to know of a step to import its libraries ahead (from the analysis). */
export type PreloadHints = Pick<RunnableStep, 'imports' | 'setsEnvironment'>;

/**
 * The modules to import ahead for these steps: those they import, or none when one of them may
 * set environment variables (a library may read them at import: OMP_NUM_THREADS...).
 */
export function modulesToPreload(steps: readonly PreloadHints[]): string[] {
  if (steps.some(s => s.setsEnvironment)) {
    return [];
  }
  return [...new Set(steps.flatMap(s => s.imports ?? []))].sort();
}

/**
 * Launchers started ahead of the run that will use them (prepareForkServer), by interpreter, the
 * most recently prepared last. Each idle one is a Python with the notebook's libraries imported
 * (~20 MB, far more with pandas or torch), so there are at most MAX_PREPARED, and one not claimed
 * within PREPARED_IDLE_MS is stopped.
 */
const prepared = new Map<string, { server: ForkServer; reaper: NodeJS.Timeout }>();
export const PREPARED_LIMITS = { max: 4, idleMs: 10 * 60_000 };

/** The process ids of the launchers prepared and not yet claimed (for tests and diagnostics). */
export function preparedLauncherPids(): number[] {
  return [...prepared.values()].flatMap(({ server }) => (server.pid === undefined ? [] : [server.pid]));
}

function unprepare(python: string): ForkServer | undefined {
  const entry = prepared.get(python);
  prepared.delete(python);
  clearTimeout(entry?.reaper);
  return entry?.server;
}

/**
 * Starts a launcher for `python` now, for the next run with that Python to take: its start-up
 * (~50 ms: interpreter, imports, and the libraries the steps of `preloadFrom` import) then
 * overlaps other work instead of delaying that run's first steps. An unused one does not keep
 * this process alive. `python` should be one spelling per interpreter (the service canonicalises it).
 * `threads`: each step's thread pools in that run (threadsPerStep of its workers); a run with
 * others does not take it.
 */
export function prepareForkServer(python: string, preloadFrom: readonly PreloadHints[] = [], threads: number = DEFAULT_THREADS()): void {
  if (defaultLauncherKind() !== 'fork') {
    return;
  }
  let server = unprepare(python);
  if (!server?.usable || server.threads !== threads) {
    server?.close();
    server = new ForkServer(python, threads);
    server.warm();
    server.hold(false);
  }
  const reaper = setTimeout(() => unprepare(python)?.close(), PREPARED_LIMITS.idleMs);
  reaper.unref();
  prepared.set(python, { server, reaper });
  for (const oldest of [...prepared.keys()].slice(0, Math.max(0, prepared.size - PREPARED_LIMITS.max))) {
    unprepare(oldest)?.close();
  }
  if (preloadFrom.length) {
    server.preload(preloadFrom); // likely the libraries of the next run (the same notebook, run again)
  }
}

/** A run's steps' thread pools when it runs as many steps at once as there are cores (threadLimits.ts). */
const DEFAULT_THREADS = (): number => threadsPerStep(availableParallelism());

/**
 * The launcher prepared for `python`, else a new one. `threads`: each step's thread pools
 * (threadLimits.ts), which the launcher's own imports size: a prepared one with others is not taken.
 */
export function claimForkServer(python: string, threads: number = DEFAULT_THREADS()): ForkServer {
  const server = unprepare(python);
  if (server && server.usable && server.threads === threads) {
    server.hold(true);
    return server;
  }
  server?.close();
  return new ForkServer(python, threads);
}

interface Pending {
  launch: StepLaunch;
  pid?: number;
  /** When that process started (processIdentity.ts): it is still the step's while this matches. */
  startTime?: string;
  resolvePid(pid: number | undefined): void;
  resolveExit(exit: StepExit): void;
}

interface Reply {
  id?: number;
  pid?: number;
  error?: string;
  code?: number | null;
  signal?: NodeJS.Signals | null;
  /** Why a launch held for another step's end (StepLaunch.after) was not started. */
  dropped?: string;
  /** Answers to a preload request (see step_launcher.py). */
  preloaded?: string[];
  seconds?: number;
  restart?: string;
  preload?: boolean;
}

/** How often a step is checked for once its launcher is gone (its exit can no longer be reported). */
const ORPHAN_POLL_MS = 200;

/**
 * A fork server for one run's steps, all run by the same Python. If the launcher cannot start or
 * dies, steps not yet forked start the 'spawn' way instead; a step it had forked is ended (its
 * process group, when its process is provably still the step's) and reported as ended with an
 * unknown status: nothing could report its own end any more. When this process dies instead, the
 * launcher ends the steps (see step_launcher.py).
 */
export class ForkServer {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** The request id of each step process this launcher started, by pid (what StepLaunch.after names). */
  private readonly requestIds = new Map<number, number>();
  private gone = false;
  private stderr = '';
  /** The steps whose libraries to import ahead, and whether to (a restart may turn it off). */
  private preloadFrom: readonly PreloadHints[] = [];
  private preloading = true;
  /** Set when the launcher asked to be started again (then it exits with no step running). */
  private restart: { why: string; preload: boolean } | undefined;
  private held = true;
  /** What the launchers said about preloading, in order, for the benchmark and tests. */
  readonly preloadReports: Array<{ preloaded: string[]; seconds: number } | { restarted: string }> = [];

  /** @param python the interpreter of the run's steps; steps asking for another one are spawned */
  constructor(
    private readonly python: string,
    /** Threads of each step's numerical libraries: the launcher imports them ahead, so its environment sizes them. */
    readonly threads: number = DEFAULT_THREADS()
  ) {}

  /**
   * Imports ahead, once, the libraries these steps import (of those known to be safe to fork
   * after import: numpy, pandas, scikit-learn...), so each step finds them loaded instead of
   * importing them again (pandas ~0.4 s, scikit-learn ~1 s of CPU per step). Call before the first
   * launch. (Sent for a single step too: the launcher then checks its preloaded libraries are current.)
   */
  preload(steps: readonly PreloadHints[]): void {
    this.preloadFrom = steps;
    if (!this.gone && this.preloading && steps.length > 0) {
      this.send({ preload: modulesToPreload(steps) });
    }
  }

  /** Starts the launcher now, so that its start-up overlaps the runner's own preparations. */
  warm(): void {
    if (!this.child && !this.gone) {
      this.start();
    }
  }

  /** Whether steps would be forked (the launcher has not stopped). */
  get usable(): boolean {
    return !this.gone;
  }

  /** Whether the launcher keeps this Node process alive (while a run uses it) or not (while idle). */
  hold(keep: boolean): void {
    this.held = keep;
    const child = this.child;
    if (!child) {
      return;
    }
    for (const handle of [child, child.stdin, child.stderr, child.stdio[3]] as Array<{ ref?(): void; unref?(): void } | null>) {
      if (keep) {
        handle?.ref?.();
      } else {
        handle?.unref?.();
      }
    }
  }

  /** The launcher's process id, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** A StepLauncher starting steps through this server. */
  readonly launch: StepLauncher = launch => {
    if (launch.python !== this.python || this.gone) {
      return spawnStep(launch); // which does not start a launch held for another step's end
    }
    if (launch.after && !this.requestIds.has(launch.after.pid)) {
      return notStarted('the step it waits for was not started by this step launcher');
    }
    let resolvePid!: (pid: number | undefined) => void;
    let resolveExit!: (exit: StepExit) => void;
    const pid = new Promise<number | undefined>(resolve => (resolvePid = resolve));
    const exited = new Promise<StepExit>(resolve => (resolveExit = resolve));
    const id = this.nextId++;
    this.pending.set(id, { launch, resolvePid, resolveExit });
    this.send(this.request(id, launch));
    return { pid, exited };
  };

  /** Stops the launcher (steps it started go on). */
  close(): void {
    this.gone = true;
    this.child?.stdin?.end();
  }

  /**
   * A step's start request; with the run's runtime file (where its step scripts look for it), which
   * the launcher imports before forking the step, once per run, and how many processes to keep
   * forked and warmed ahead for the run's next steps (step_launcher.py, _SparePool).
   */
  private request(id: number, { script, cwd, env, logPath, upcoming, after }: StepLaunch): object {
    const data = env[RUNTIME_ENV.dataDir];
    const runtime = data
      ? { module: RUNTIME_MODULE, path: join(data, RUNTIME_FOLDER, RUNTIME_FILE), cache: join(cacheHome(), 'bytecode') }
      : undefined;
    const held = after && { id: this.requestIds.get(after.pid), result: after.resultPath };
    return { id, script, cwd, env, log: logPath, runtime, spares: upcoming ?? 0, ...(held ? { after: held } : {}) };
  }

  private send(message: object): void {
    ((this.child ?? this.start()).stdin as Writable).write(`${JSON.stringify(message)}\n`);
  }

  private start(): ChildProcess {
    const child = spawn(this.python, launcherArguments(join(cacheHome(), 'bytecode')), {
      // Its forks are the steps: they inherit it, and add the run's variables.
      env: { ...stepEnvironment(), ...threadLimitVariables(this.threads) },
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
      detached: true // not in the runner's process group: a Ctrl-C to the runner does not reach it
    });
    this.child = child;
    child.on('error', () => this.lost(child)); // cannot start: every step goes the 'spawn' way
    child.on('close', () => this.lost(child));
    // A write after the launcher exited fails (EPIPE); its 'close' follows, after its last replies:
    // handled there, so that a restart it asked for is read first (not taken for a crash).
    child.stdin!.on('error', () => undefined);
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr = (this.stderr + text).slice(-4000)));
    let buffered = '';
    (child.stdio[3] as Readable).setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      lines.filter(line => line.trim()).forEach(line => this.receive(JSON.parse(line) as Reply));
    });
    this.hold(this.held);
    return child;
  }

  private receive(reply: Reply): void {
    if (reply.restart !== undefined) {
      this.restart = { why: reply.restart, preload: !!reply.preload };
      this.preloadReports.push({ restarted: reply.restart });
      return;
    }
    if (reply.preloaded !== undefined) {
      this.preloadReports.push({ preloaded: reply.preloaded, seconds: reply.seconds ?? 0 });
      return;
    }
    const entry = this.pending.get(reply.id!);
    if (!entry) {
      return;
    }
    if (reply.pid !== undefined) {
      this.requestIds.set(reply.pid, reply.id!);
      entry.pid = reply.pid;
      entry.startTime = processStartTime(reply.pid);
      entry.resolvePid(reply.pid);
    } else if (reply.dropped !== undefined) {
      this.pending.delete(reply.id!);
      entry.resolvePid(undefined);
      entry.resolveExit({ code: null, signal: null, notStarted: reply.dropped });
    } else if (reply.error !== undefined) {
      this.pending.delete(reply.id!);
      entry.resolvePid(undefined);
      entry.resolveExit({ code: null, signal: null, spawnError: reply.error });
    } else {
      this.pending.delete(reply.id!);
      entry.resolveExit({ code: reply.code ?? null, signal: reply.signal ?? null });
    }
  }

  /** The launcher is gone: start what it had not started, and watch what it had. */
  private lost(child: ChildProcess): void {
    if (child !== this.child) {
      return; // a launcher already replaced (restart), or already handled
    }
    if (this.restart && !this.gone) {
      // It stopped on purpose, before forking anything: a new one takes over the same requests.
      const { preload } = this.restart;
      this.restart = undefined;
      this.child = undefined;
      this.preloading = preload;
      if (preload && this.preloadFrom.length > 0) {
        this.send({ preload: modulesToPreload(this.preloadFrom) });
      }
      for (const [id, entry] of this.pending) {
        this.send(this.request(id, entry.launch));
      }
      return;
    }
    if (this.pending.size === 0 && this.gone) {
      return;
    }
    this.gone = true;
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      if (entry.pid === undefined && entry.launch.after) {
        // It waited for a step of this launcher, whose end nothing can report now: the runner decides.
        entry.resolvePid(undefined);
        entry.resolveExit({ code: null, signal: null, notStarted: 'the step launcher stopped before the step it waited for ended' });
      } else if (entry.pid === undefined) {
        const step = spawnStep(entry.launch);
        void step.pid.then(entry.resolvePid);
        void step.exited.then(entry.resolveExit);
      } else {
        const { pid, startTime } = entry;
        const why = `the step launcher stopped (${this.stderr.trim().split('\n').pop() || 'no message'}), so the step was ended: its exit status could not be known`;
        if (isSameProcess(pid, startTime)) {
          killGroup(pid, 'SIGKILL');
        }
        const timer = setInterval(() => {
          if (!isSameProcess(pid, startTime)) {
            clearInterval(timer);
            entry.resolveExit({ code: null, signal: null, spawnError: why });
          }
        }, ORPHAN_POLL_MS);
      }
    }
  }
}
