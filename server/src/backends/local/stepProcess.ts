import { spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, watch, type FSWatcher } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { stepEnvironment } from '../../stepEnvironment';

/** How a step's process is started: `python -u SCRIPT` in CWD with ENV, its output into LOGPATH. */
export interface StepLaunch {
  python: string;
  script: string;
  cwd: string;
  /** The run's runtime variables, added to the step's environment (stepEnvironment.ts). */
  env: Record<string, string>;
  /** File receiving the step's stdout and stderr, interleaved as the step wrote them. */
  logPath: string;
  /**
   * How many more of the run's processes may be asked to start at once while this one runs (its
   * steps still to start, up to its workers): a fork server keeps that many forked and warmed ahead.
   */
  upcoming?: number;
  /**
   * Start only once the step process `pid` (one this launcher started) has ended, and only if that
   * step succeeded: its exit status 0 and `resultPath` (its completion record) saying so. A fork
   * server holds such a launch and starts it the moment that step ends, without a round trip
   * through the runner; no other launcher starts it (its exit says `notStarted`).
   */
  after?: { pid: number; resultPath: string };
}

export interface StepExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  spawnError?: string;
  /** Set, with why, when a launch with `after` was not started (the step it waited for did not succeed). */
  notStarted?: string;
}

/** A started step process: its pid once it leads its own process group, and its end. */
export interface LaunchedStep {
  pid: Promise<number | undefined>;
  exited: Promise<StepExit>;
}

/** Starts step processes: a new interpreter for each (spawnStep), or a fork server (forkServer.ts). */
export type StepLauncher = (launch: StepLaunch) => LaunchedStep;

export interface StepProcessOptions extends StepLaunch {
  /** The log's new text, while the step runs (stdout and stderr share the file: 'stdout'). */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** The runtime's events file (RUNTIME_ENV.events) and what to do with each new event, while the step runs. */
  events?: { path: string; onEvent: (event: Record<string, unknown>) => void };
}

export interface StepProcess {
  /** The process (and group) id, once the process exists; undefined if it never started. */
  pid: Promise<number | undefined>;
  exited: Promise<StepExit>;
  /** Ends the step and everything it started (its process group): SIGTERM, then SIGKILL. */
  kill(graceMs?: number): void;
}

/** Kills a process group, ignoring groups that are already gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Whether a process exists and is not a zombie: an orphaned step is reparented to PID 1, which in
 * a container may never reap it, so `kill(pid, 0)` alone would say it runs forever.
 */
export function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || process.platform === 'linux') {
      return false;
    }
    try {
      process.kill(pid, 0); // no /proc: at least whether the pid exists
      return true;
    } catch {
      return false;
    }
  }
}

/** How often a running step's log is read for live output. */
const LOG_POLL_MS = 100;

/**
 * Calls `onText` with what was appended to a file since the last call (whole UTF-8 characters).
 */
function logFollower(fd: number, onText: (text: string) => void): () => void {
  let offset = fstatSync(fd).size;
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(64 * 1024);
  return () => {
    for (let n = readSync(fd, buffer, 0, buffer.length, offset); n > 0; n = readSync(fd, buffer, 0, buffer.length, offset)) {
      offset += n;
      const text = decoder.write(buffer.subarray(0, n));
      if (text) {
        onText(text);
      }
    }
  };
}

/**
 * A new interpreter per step: `python -u SCRIPT` as its own process group (so cancel reaches the
 * processes the user's code starts). Its stdout and stderr are the log file itself, not pipes: the
 * log keeps the order in which the step wrote to them (as a terminal or Run All shows it), and a
 * step whose runner was killed can still write its output (a pipe without a reader would fail it).
 */
export const spawnStep: StepLauncher = launch => {
  if (launch.after) {
    return notStarted('only the fork server starts a step the moment another ends');
  }
  const out = openSync(launch.logPath, 'a', 0o600);
  const child = spawn(launch.python, ['-u', launch.script], {
    cwd: launch.cwd,
    env: stepEnvironment(launch.env),
    stdio: ['ignore', out, out],
    detached: true
  });
  closeSync(out); // the child holds its own copy
  const exited = new Promise<StepExit>(resolve => {
    let spawnError: string | undefined;
    child.on('error', error => {
      spawnError = `cannot start '${launch.python}': ${error.message}`;
    });
    child.on('close', (code, signal) => resolve({ code, signal, spawnError }));
  });
  return { pid: Promise.resolve(child.pid), exited };
};

/** A launch with `after` that is not started, for the reason given. */
export function notStarted(why: string): LaunchedStep {
  return { pid: Promise.resolve(undefined), exited: Promise.resolve({ code: null, signal: null, notStarted: why }) };
}

/** Calls `onLine` with each whole line appended to a file since the last call. */
function lineFollower(fd: number, onLine: (line: string) => void): () => void {
  let partial = '';
  return logFollower(fd, text => {
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    lines.forEach(onLine);
  });
}

/** The runtime's events, one JSON object a line; a line that is not one (cut by a kill) is passed over. */
function eventFollower(fd: number, onEvent: (event: Record<string, unknown>) => void): () => void {
  return lineFollower(fd, line => {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    if (event && typeof event === 'object' && !Array.isArray(event)) {
      onEvent(event as Record<string, unknown>);
    }
  });
}

/** A file followed while the step runs: `follow` reads what was appended, `close` reads the rest and closes it. */
interface FollowedFile {
  follow(): void;
  close(): void;
}

function followed(path: string, reader: (fd: number) => () => void, watched = false): FollowedFile {
  // Created if the step has not yet written it (one open: read-only, created 0600 if missing).
  const fd = openSync(path, constants.O_RDONLY | constants.O_CREAT, 0o600);
  const follow = reader(fd);
  let closed = false;
  // Read as soon as the file changes (inotify on Linux), not at the next poll: a cell's outputs
  // reach JupyterLab ~50 ms sooner. The poll stays, for file systems that send no change events.
  let watcher: FSWatcher | undefined;
  if (watched) {
    try {
      watcher = watch(path, () => !closed && follow());
    } catch {
      watcher = undefined;
    }
  }
  return {
    follow,
    close: () => {
      closed = true;
      watcher?.close();
      follow();
      closeSync(fd);
    }
  };
}

/** Runs one step script with `launcher`, following its log and its runtime's events while it runs. */
export function startStepProcess(options: StepProcessOptions, launcher: StepLauncher = spawnStep): StepProcess {
  const files: FollowedFile[] = [];
  if (options.onOutput) {
    files.push(followed(options.logPath, fd => logFollower(fd, text => options.onOutput!('stdout', text))));
  } else {
    closeSync(openSync(options.logPath, 'a', 0o600));
  }
  if (options.events) {
    const { onEvent } = options.events;
    files.push(followed(options.events.path, fd => eventFollower(fd, onEvent), true));
  }
  const { onOutput: _, events: __, ...launch } = options;
  const step = launcher(launch);
  const poll = files.length ? setInterval(() => files.forEach(file => file.follow()), LOG_POLL_MS) : undefined;
  let ended = false;
  const exited = step.exited.then(exit => {
    ended = true;
    clearInterval(poll);
    files.forEach(file => file.close());
    return exit;
  });
  return {
    pid: step.pid,
    exited,
    kill(graceMs = 3000) {
      void step.pid.then(pid => {
        if (pid === undefined || ended) {
          return; // never started, or gone (its pid may belong to another process by now)
        }
        killGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
        void exited.then(() => clearTimeout(timer));
      });
    }
  };
}
