import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface StepProcessOptions {
  python: string;
  script: string;
  cwd: string;
  env: Record<string, string>;
  /** File receiving the step's stdout and stderr, interleaved as they arrive. */
  logPath: string;
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

/**
 * Runs one step script as its own process group (so cancel reaches the processes the user's code
 * starts), with unbuffered output so logs stream live.
 */
export function startStepProcess(options: StepProcessOptions): StepProcess {
  const log = createWriteStream(options.logPath, { flags: 'a' });
  const child = spawn(options.python, ['-u', options.script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      options.onOutput?.(stream, chunk.toString('utf8'));
    });
  }
  const exited = new Promise<StepExit>(resolve => {
    let spawnError: string | undefined;
    child.on('error', error => {
      spawnError = `cannot start '${options.python}': ${error.message}`;
    });
    child.on('close', (code, signal) => {
      log.end(() => resolve({ code, signal, spawnError }));
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
