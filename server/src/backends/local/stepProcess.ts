import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface StepProcessOptions {
  python: string;
  script: string;
  cwd: string;
  env: Record<string, string>;
  /** File receiving the step's stdout and stderr, interleaved as the step wrote them. */
  logPath: string;
  /** The log's new text, while the step runs (stdout and stderr share the file: 'stdout'). */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface StepExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  spawnError?: string;
}

export interface StepProcess {
  pid: number | undefined;
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
 * Runs one step script as its own process group (so cancel reaches the processes the user's code
 * starts), unbuffered. Its stdout and stderr are the log file itself, not pipes: the log keeps the
 * order in which the step wrote to them (as a terminal or Run All shows it), and a step whose
 * runner was killed can still write its output (a pipe without a reader would fail it).
 */
export function startStepProcess(options: StepProcessOptions): StepProcess {
  const out = openSync(options.logPath, 'a');
  const reader = options.onOutput ? openSync(options.logPath, 'r') : undefined;
  const follow = reader === undefined ? () => undefined : logFollower(reader, text => options.onOutput!('stdout', text));
  const child = spawn(options.python, ['-u', options.script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', out, out],
    detached: true
  });
  closeSync(out); // the child holds its own copy
  const poll = reader === undefined ? undefined : setInterval(follow, LOG_POLL_MS);
  const exited = new Promise<StepExit>(resolve => {
    let spawnError: string | undefined;
    child.on('error', error => {
      spawnError = `cannot start '${options.python}': ${error.message}`;
    });
    child.on('close', (code, signal) => {
      if (reader !== undefined) {
        clearInterval(poll);
        follow();
        closeSync(reader);
      }
      resolve({ code, signal, spawnError });
    });
  });
  return {
    pid: child.pid,
    exited,
    kill(graceMs = 3000) {
      if (child.pid === undefined) {
        return;
      }
      const pid = child.pid;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      void exited.then(() => clearTimeout(timer));
    }
  };
}
