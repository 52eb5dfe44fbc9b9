import { ISignal, Signal } from '@lumino/signaling';
import type { CellpipeClient } from '../api/client';
import { isFinished } from '../core/run/api';
import type { NotebookOutput, RunCellOutputs, RunCellOutputsReply } from '../core/run/cellOutputs';
import { clearedThrough, isCleared, type ClearedRunOutputs } from './clearedRunOutputs';
import type { CellOutputsArrival, SidebarModel } from './SidebarModel';

/** One cell's outputs from a run, as the notebook shows them. */
export interface ShownCellOutputs extends RunCellOutputs {
  runId: string;
}

/** What this model reads of the runs the sidebar follows. */
export type FollowedRuns = Pick<SidebarModel, 'runOf' | 'runChanged' | 'cellOutputsArrived'>;

/** A cell of the notebook as it is now: its nbformat id and its place. */
export interface NotebookCellRef {
  id: string;
  index: number;
}

/** Whether a cell's source differs from the source the run ran: its outputs are not what the code now shows. */
export function isStale(shown: ShownCellOutputs, currentSource: string): boolean {
  return shown.source !== currentSource;
}

/**
 * A cell's key: its nbformat id, or its index for a run of a notebook whose cells had no ids
 * (nbformat < 4.5; JupyterLab gives them ids when it saves, so a run after that has them).
 */
function cellKey(cellId: string | null, index: number): string {
  return cellId === null ? `index:${index}` : `id:${cellId}`;
}

/**
 * A cell's outputs with its value numbered as Run All numbers the cell (`Out[3]:`): the runtime
 * cannot know the number, the service does (RunCellOutputs.executionCount).
 */
function numbered(cell: RunCellOutputs): NotebookOutput[] {
  return cell.outputs.map(output =>
    output.output_type === 'execute_result' && output.execution_count === null ? { ...output, execution_count: cell.executionCount } : output
  );
}

/** The same record of the same run (a cell run again gets new times). */
function sameRecord(a: ShownCellOutputs, b: ShownCellOutputs): boolean {
  return a.runId === b.runId && a.stepId === b.stepId && a.startedAt === b.startedAt && a.finishedAt === b.finishedAt && a.status === b.status;
}

/** One read of the service: a run's cells, all of them (`step` null) or one step's. */
interface Fetch {
  runId: string;
  step: string | null;
  /** The reply replaces every shown output (a finished run chosen to be shown), instead of the cells it has. */
  replace: boolean;
}

/**
 * The outputs a pipeline run shows on one notebook's cells, read from the service: those of the
 * run the sidebar shows for the notebook (the latest, also while it goes, or the one chosen in
 * the history).
 *
 * While a run goes, each `cell-outputs` event fetches that step's cells; when it ends, all its
 * cells are read once more (an event lost while the stream reconnected is made up for). As in
 * Jupyter, outputs of a new run replace older ones cell by cell as they arrive: a cell the new
 * run has not reached (or never reaches, after a failure) keeps its outputs from the older run,
 * marked with that run. A finished run chosen in the history shows its own outputs only.
 *
 * Reads go one at a time, in order, so a late answer never undoes a newer one; events that come
 * while a read is under way are merged into the next. Clearing is remembered per run
 * (clearedRunOutputs.ts): the cleared outputs do not come back, outputs the run makes later do.
 */
export class NotebookRunOutputs {
  private readonly entries = new Map<string, ShownCellOutputs>();
  private readonly queue: Fetch[] = [];
  private fetching = false;
  private followed: { runId: string; finished: boolean } | null = null;
  /** Run id → the end time of the last cell cleared, for this notebook. */
  private cleared: Record<string, string> = {};
  private readonly clearedLoaded: Promise<void>;
  private readonly _changed = new Signal<this, void>(this);
  private disposed = false;

  constructor(
    private readonly client: CellpipeClient,
    private readonly runs: FollowedRuns,
    private readonly path: () => string,
    private readonly clearedStore: ClearedRunOutputs
  ) {
    this.clearedLoaded = clearedStore.load(path()).then(
      marks => {
        this.cleared = { ...marks, ...this.cleared };
      },
      () => undefined
    );
    runs.runChanged.connect(this.onRunChanged, this);
    runs.cellOutputsArrived.connect(this.onCellOutputs, this);
    this.follow();
  }

  /** The outputs shown changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The run the notebook follows, if any. */
  get runId(): string | null {
    return this.followed?.runId ?? null;
  }

  /** How many cells show outputs from a run. */
  get size(): number {
    return this.entries.size;
  }

  /** A cell's outputs from a run, if it has some. */
  outputsOf(cell: NotebookCellRef): ShownCellOutputs | undefined {
    return this.entries.get(cellKey(cell.id, cell.index)) ?? this.entries.get(cellKey(null, cell.index));
  }

  /** Removes every cell's run outputs, and remembers it for the runs they came from. */
  clear(): void {
    if (!this.entries.size) {
      return;
    }
    for (const shown of this.entries.values()) {
      this.cleared[shown.runId] = clearedThrough(this.cleared[shown.runId], shown.finishedAt);
    }
    this.clearedStore.save(this.path(), this.cleared);
    this.entries.clear();
    this._changed.emit();
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.runs.runChanged.disconnect(this.onRunChanged, this);
    this.runs.cellOutputsArrived.disconnect(this.onCellOutputs, this);
    this.queue.length = 0;
    Signal.clearData(this);
  }

  private onRunChanged(_: unknown, path: string): void {
    if (path === this.path()) {
      this.follow();
    }
  }

  private onCellOutputs(_: unknown, { path, event }: CellOutputsArrival): void {
    if (path === this.path() && event.runId === this.followed?.runId) {
      this.enqueue({ runId: event.runId, step: event.stepId, replace: false });
    }
  }

  /** Follows the run the sidebar shows for the notebook: a new one is read whole, an ending one read again. */
  private follow(): void {
    const run = this.runs.runOf(this.path());
    if (!run) {
      return;
    }
    const finished = isFinished(run.status);
    if (run.runId !== this.followed?.runId) {
      this.followed = { runId: run.runId, finished };
      this.enqueue({ runId: run.runId, step: null, replace: finished });
    } else if (finished !== this.followed.finished) {
      this.followed.finished = finished;
      if (finished) {
        this.enqueue({ runId: run.runId, step: null, replace: false });
      }
    }
  }

  private enqueue(fetch: Fetch): void {
    const covered = this.queue.some(
      queued => queued.runId === fetch.runId && (queued.step === null || queued.step === fetch.step) && (queued.replace || !fetch.replace)
    );
    if (!covered) {
      this.queue.push(fetch);
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.fetching) {
      return;
    }
    this.fetching = true;
    try {
      await this.clearedLoaded;
      for (let next = this.queue.shift(); next && !this.disposed; next = this.queue.shift()) {
        if (next.runId !== this.followed?.runId) {
          continue; // another run is shown now
        }
        let reply: RunCellOutputsReply;
        try {
          reply = await this.client.cellOutputs(next.runId, next.step ?? undefined);
        } catch (error) {
          // A run of an earlier version kept no outputs, the service went away...: the cells show none from it.
          console.warn(`cellpipe: no cell outputs for run ${next.runId}${next.step ? `, step ${next.step}` : ''}:`, error);
          continue;
        }
        if (!this.disposed && reply.runId === this.followed?.runId) {
          this.apply(reply, next.replace);
        }
      }
    } finally {
      this.fetching = false;
    }
  }

  private apply(reply: RunCellOutputsReply, replace: boolean): void {
    const incoming = new Map<string, ShownCellOutputs>();
    for (const cell of reply.cells) {
      if (!isCleared(this.cleared[reply.runId], cell.finishedAt)) {
        incoming.set(cellKey(cell.cellId, cell.cell), { ...cell, outputs: numbered(cell), runId: reply.runId });
      }
    }
    let changed = false;
    if (replace) {
      for (const key of [...this.entries.keys()]) {
        if (!incoming.has(key)) {
          this.entries.delete(key);
          changed = true;
        }
      }
    }
    for (const [key, shown] of incoming) {
      const current = this.entries.get(key);
      if (!current || !sameRecord(current, shown)) {
        this.entries.set(key, shown);
        changed = true;
      }
    }
    if (changed) {
      this._changed.emit();
    }
  }
}
