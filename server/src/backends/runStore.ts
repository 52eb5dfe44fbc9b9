import { randomBytes } from 'node:crypto';
import { promises as fs, existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunRequest, RunState } from '../../../src/core/run/types';
import { dnsLabel } from '../../../src/core/pipeline';
import { CellpipeError } from '../errors';

/** `$CELLPIPE_HOME`, else `./.cellpipe`. */
export function defaultHome(): string {
  return resolve(process.env.CELLPIPE_HOME || '.cellpipe');
}

/**
 * The run store is the user's alone (its scripts, logs, parameters and values may hold anything the
 * notebook does): folders cellpipe creates in it are 0700, files it writes 0600.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates a folder of the run store (and its missing parents) readable by the user alone. */
export async function mkdirPrivate(path: string): Promise<void> {
  await fs.mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Writes a file (0600) so that readers see the old or the new content, never a part. */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: PRIVATE_FILE_MODE });
  renameSync(tmp, path);
}

const RUN_ID = /^[a-z0-9][a-z0-9-]{0,80}$/;

/**
 * The local run store: one folder per run under `<home>/runs/<runId>/` holding
 * `run.json` (the RunState, written atomically), `request.json`, `steps/<stepId>/step.py`,
 * `steps/<stepId>/log` (the user code's stdout and stderr), `steps/<stepId>/events.jsonl`
 * (cellpipe's own messages) and `data/` (the volume: `data/<stepId>/<variable>.<ext>`).
 * `<home>/cache/<key>.json` points at the run whose step produced outputs for a cache key.
 */
export class RunStore {
  constructor(readonly home: string = defaultHome()) {}

  newRunId(pipelineName: string, now = new Date()): string {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    return `${dnsLabel(pipelineName, 30, 'pipeline')}-${stamp}-${randomBytes(3).toString('hex')}`.toLowerCase();
  }

  runDir(runId: string): string {
    if (!RUN_ID.test(runId)) {
      throw new CellpipeError('invalid', `'${runId}' is not a run id (see \`cellpipe runs\`)`);
    }
    return join(this.home, 'runs', runId);
  }

  dataDir(runId: string): string {
    return join(this.runDir(runId), 'data');
  }

  stepDir(runId: string, stepId: string): string {
    return join(this.runDir(runId), 'steps', stepId);
  }

  logPath(runId: string, stepId: string): string {
    return join(this.stepDir(runId, stepId), 'log');
  }

  /** A step's log as saved (undefined when none was). */
  readLog(runId: string, stepId: string): string | undefined {
    const path = this.logPath(runId, stepId);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  }

  eventsPath(runId: string, stepId: string): string {
    return join(this.stepDir(runId, stepId), 'events.jsonl');
  }

  scriptPath(runId: string, stepId: string): string {
    return join(this.stepDir(runId, stepId), 'step.py');
  }

  cancelMarker(runId: string): string {
    return join(this.runDir(runId), 'cancel-requested');
  }

  async create(runId: string, request: RunRequest, state: RunState): Promise<void> {
    const dir = this.runDir(runId);
    await mkdirPrivate(join(dir, 'data'));
    for (const step of request.steps) {
      await mkdirPrivate(this.stepDir(runId, step.id));
      await fs.writeFile(this.scriptPath(runId, step.id), step.script, { mode: PRIVATE_FILE_MODE });
    }
    writeFileAtomic(join(dir, 'request.json'), JSON.stringify(request, null, 1));
    this.save(state);
  }

  save(state: RunState): void {
    writeFileAtomic(join(this.runDir(state.runId), 'run.json'), JSON.stringify(state, null, 1));
  }

  exists(runId: string): boolean {
    return existsSync(join(this.runDir(runId), 'run.json'));
  }

  load(runId: string): RunState {
    const path = join(this.runDir(runId), 'run.json');
    if (!existsSync(path)) {
      throw new CellpipeError('not-found', `no run '${runId}' in ${this.home} (see \`cellpipe runs\`)`);
    }
    return JSON.parse(readFileSync(path, 'utf8')) as RunState;
  }

  loadRequest(runId: string): RunRequest {
    return JSON.parse(readFileSync(join(this.runDir(runId), 'request.json'), 'utf8')) as RunRequest;
  }

  /** The saved state of every run, newest first. */
  loadAll(): RunState[] {
    const runs = join(this.home, 'runs');
    if (!existsSync(runs)) {
      return [];
    }
    return readdirSync(runs)
      .filter(id => RUN_ID.test(id) && existsSync(join(runs, id, 'run.json')))
      .map(id => this.load(id))
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** Run ids, newest first. */
  list(): string[] {
    return this.loadAll().map(state => state.runId);
  }

  cachePath(key: string): string {
    return join(this.home, 'cache', `${key}.json`);
  }
}
