import { randomBytes } from 'node:crypto';
import { promises as fs, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { CELL_OUTPUTS_FILE, readStepCellOutputs, type StepCellOutputs } from '../../../src/core/run/cellOutputs';
import type { RunRequest, RunState } from '../../../src/core/run/types';
import { dnsLabel } from '../../../src/core/pipeline';
import { CellpipeError } from '../errors';

/**
 * Where runs are kept: `$CELLPIPE_HOME`, else `$XDG_STATE_HOME/cellpipe`, else
 * `~/.local/state/cellpipe`. Not in the notebook's folder: that is every step's working folder,
 * where the user's code writes and deletes (`shutil.rmtree('.cellpipe')`), and what users share.
 * (Before, the default was `./.cellpipe`; runs kept there stay readable with `CELLPIPE_HOME=.cellpipe`.)
 */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CELLPIPE_HOME) {
    return resolve(env.CELLPIPE_HOME);
  }
  const xdg = env.XDG_STATE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'state'), 'cellpipe');
}

/** Where earlier versions kept runs by default (relative to the working folder), to point users to them. */
export const LEGACY_HOME = '.cellpipe';

/**
 * Decision: runs of earlier versions in `<cwd>/.cellpipe` are not moved (the folder depended on
 * where each command ran, and may be the user's to keep or delete); a listing of another store
 * says where they are and how to read them.
 */
export function legacyStoreHint(store: RunStore, cwd: string = process.cwd()): string | undefined {
  const legacy = resolve(cwd, LEGACY_HOME);
  if (legacy === resolve(store.home) || !existsSync(join(legacy, 'runs'))) {
    return undefined;
  }
  return `runs of an earlier cellpipe are in ${legacy} (the run store is now ${store.home}): \`CELLPIPE_HOME=${LEGACY_HOME} cellpipe runs\` lists them`;
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

/** A run folder whose `run.json` cannot be read as a run: the listing skips it and says why. */
export interface UnreadableRun {
  runId: string;
  /** The `run.json` at fault. */
  path: string;
  problem: string;
}

/** Every run of the store that could be read, newest first, and the ones that could not. */
export interface RunListing {
  runs: RunState[];
  unreadable: UnreadableRun[];
}

/** What is wrong with a parsed `run.json` for it to be listed and shown, or undefined. */
function runStateProblem(value: unknown, runId: string): string | undefined {
  const state = value as Partial<RunState> | null;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    return 'it does not hold a JSON object';
  }
  if (state.runId !== runId) {
    return `its runId is ${JSON.stringify(state.runId)}, not the folder's '${runId}'`;
  }
  const missing = (['status', 'createdAt', 'backend'] as const).filter(key => typeof state[key] !== 'string');
  if (missing.length || !Array.isArray(state.steps)) {
    return `it lacks ${[...missing, ...(Array.isArray(state.steps) ? [] : ['steps'])].join(', ')}`;
  }
  return undefined;
}

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

  /**
   * The log of one process of a step that runs several: a fan-out item's (`items`; the step's log
   * gathers them in item order) or a distributed step's worker's (`ranks`; the step's log is rank 0's).
   */
  instanceLogPath(runId: string, stepId: string, index: number, group: 'items' | 'ranks' = 'items'): string {
    return join(this.stepDir(runId, stepId), group, String(index), 'log');
  }

  instanceEventsPath(runId: string, stepId: string, index: number, group: 'items' | 'ranks' = 'items'): string {
    return join(this.stepDir(runId, stepId), group, String(index), 'events.jsonl');
  }

  scriptPath(runId: string, stepId: string): string {
    return join(this.stepDir(runId, stepId), 'step.py');
  }

  /** The notebook as the run read it: the cells' ids and sources, and the executed notebook, come from it. */
  notebookPath(runId: string): string {
    return join(this.runDir(runId), 'notebook.ipynb');
  }

  saveNotebook(runId: string, text: string): void {
    writeFileAtomic(this.notebookPath(runId), text);
  }

  /** The notebook's text as the run read it; undefined for runs of earlier versions, which kept none. */
  readNotebook(runId: string): string | undefined {
    const path = this.notebookPath(runId);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  }

  /**
   * Where a step's cells' outputs are: the runtime's own document in the step's data folder (local
   * runs write it there), else the copy a remote backend brought back from the cluster.
   */
  private cellOutputsPaths(runId: string, stepId: string): string[] {
    return [join(this.dataDir(runId), stepId, CELL_OUTPUTS_FILE), join(this.stepDir(runId, stepId), 'cell-outputs.json')];
  }

  /** A remote step's cell outputs document (its text, as the runtime wrote it), brought back from the cluster. */
  saveCellOutputs(runId: string, stepId: string, text: string): void {
    mkdirSync(this.stepDir(runId, stepId), { recursive: true, mode: PRIVATE_DIR_MODE });
    writeFileAtomic(this.cellOutputsPaths(runId, stepId)[1], text);
  }

  /** A step's cells' outputs so far; undefined when it has none (not started, capture off, an earlier version). */
  readCellOutputs(runId: string, stepId: string): StepCellOutputs | undefined {
    for (const path of this.cellOutputsPaths(runId, stepId)) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      const document = readStepCellOutputs(text);
      if (document) {
        return document;
      }
    }
    return undefined;
  }

  cancelMarker(runId: string): string {
    return join(this.runDir(runId), 'cancel-requested');
  }

  // Synchronous, as run.json's writes are: a handful of small files, well under a millisecond
  // each (~1-2 ms for a run of 8 steps, measured warm), not worth a thread-pool round trip apiece.
  async create(runId: string, request: RunRequest, state: RunState): Promise<void> {
    mkdirSync(join(this.runDir(runId), 'data'), { recursive: true, mode: PRIVATE_DIR_MODE });
    this.replaceRequest(runId, request);
    this.add(state);
  }

  /** Writes a local run's request and its step scripts (a retry with the notebook's new code replaces them). */
  replaceRequest(runId: string, request: RunRequest): void {
    for (const step of request.steps) {
      mkdirSync(this.stepDir(runId, step.id), { recursive: true, mode: PRIVATE_DIR_MODE });
      writeFileAtomic(this.scriptPath(runId, step.id), step.script);
    }
    writeFileAtomic(join(this.runDir(runId), 'request.json'), JSON.stringify(request, null, 1));
  }

  /**
   * Keeps what a step printed and reported in an earlier attempt apart (`log.1`, `events.jsonl.1`
   * for the first), before it starts again: its log is then the new attempt's alone.
   */
  setAttemptAside(runId: string, stepId: string, attempt: number): void {
    for (const path of [this.logPath(runId, stepId), this.eventsPath(runId, stepId)]) {
      if (existsSync(path)) {
        renameSync(path, `${path}.${attempt}`);
      }
    }
  }

  /** Records a new run's first state, in its folder (created). */
  add(state: RunState): void {
    mkdirSync(this.runDir(state.runId), { recursive: true, mode: PRIVATE_DIR_MODE });
    writeFileAtomic(join(this.runDir(state.runId), 'run.json'), JSON.stringify(state, null, 1));
  }

  /**
   * Records a known run's new state (`add` records a new one). A run whose folder was removed
   * while it ran (a step's code may have recreated part of it since) is refused in words, not
   * recorded into the remains.
   */
  save(state: RunState): void {
    if (!this.intact(state)) {
      throw this.removed(state.runId);
    }
    writeFileAtomic(join(this.runDir(state.runId), 'run.json'), JSON.stringify(state, null, 1));
  }

  /**
   * Whether a run's folder still holds its record, and a local run's its request (never written
   * again after `create`: a removal that a concurrent write of run.json survived still shows).
   */
  intact(state: Pick<RunState, 'runId' | 'backend'>): boolean {
    const dir = this.runDir(state.runId);
    return existsSync(join(dir, 'run.json')) && (state.backend !== 'local' || existsSync(join(dir, 'request.json')));
  }

  /** The error of a run whose folder is gone. */
  removed(runId: string): CellpipeError {
    return new CellpipeError(
      'not-found',
      `the folder of run ${runId} (${this.runDir(runId)}) was removed while the run was going, by a step's code or by hand`
    );
  }

  exists(runId: string): boolean {
    return existsSync(join(this.runDir(runId), 'run.json'));
  }

  /** A run's saved state; a `run.json` that is not one is a 'conflict' naming the file. */
  load(runId: string): RunState {
    const path = join(this.runDir(runId), 'run.json');
    if (!existsSync(path)) {
      throw new CellpipeError('not-found', `no run '${runId}' in ${this.home} (see \`cellpipe runs\`)`);
    }
    let problem: string | undefined;
    try {
      const state: unknown = JSON.parse(readFileSync(path, 'utf8'));
      problem = runStateProblem(state, runId);
      if (!problem) {
        return state as RunState;
      }
    } catch (error) {
      problem = error instanceof SyntaxError ? `it is not valid JSON (${error.message})` : (error as Error).message;
    }
    throw new CellpipeError(
      'conflict',
      `the record of run '${runId}' is unreadable: ${path}: ${problem}. It was changed outside cellpipe; ` +
        `delete the folder ${this.runDir(runId)} to drop the run.`
    );
  }

  loadRequest(runId: string): RunRequest {
    return JSON.parse(readFileSync(join(this.runDir(runId), 'request.json'), 'utf8')) as RunRequest;
  }

  /** The saved state of every run, newest first; runs whose `run.json` is unreadable are skipped and named. */
  listing(): RunListing {
    const folder = join(this.home, 'runs');
    const listing: RunListing = { runs: [], unreadable: [] };
    if (!existsSync(folder)) {
      return listing;
    }
    for (const id of readdirSync(folder).filter(id => RUN_ID.test(id) && existsSync(join(folder, id, 'run.json')))) {
      try {
        listing.runs.push(this.load(id));
      } catch (error) {
        listing.unreadable.push({ runId: id, path: join(folder, id, 'run.json'), problem: (error as Error).message });
      }
    }
    listing.runs.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return listing;
  }

  /** The saved state of every readable run, newest first. */
  loadAll(): RunState[] {
    return this.listing().runs;
  }

  /** Run ids, newest first. */
  list(): string[] {
    return this.loadAll().map(state => state.runId);
  }

  /** Where local `serve:` steps save their models, a folder per served name and version: they outlive the runs. */
  modelsDir(): string {
    return join(this.home, 'models');
  }

  cachePath(key: string): string {
    return join(this.home, 'cache', `${key}.json`);
  }
}
