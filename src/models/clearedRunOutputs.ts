import type { IStateDB } from '@jupyterlab/statedb';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

/**
 * Which run outputs the user cleared from a notebook, remembered per run: run id → the end time
 * of the last cleared cell (the runtime's `finishedAt`). A cell of that run that ended then or
 * before stays cleared; one that ends later (the run goes on, or is re-run from a step) shows.
 * Times are the run's own, so the browser's clock never decides.
 */
export type ClearedMarks = Record<string, string>;

/** Where the marks of each notebook are kept. */
export interface ClearedRunOutputs {
  load(path: string): Promise<ClearedMarks>;
  save(path: string, marks: ClearedMarks): void;
}

/** Runs remembered per notebook: the latest cleared; older marks are dropped first. */
export const MAX_CLEARED_RUNS = 20;

function time(iso: string | undefined): number {
  const parsed = Date.parse(iso ?? '');
  return Number.isNaN(parsed) ? -Infinity : parsed;
}

/** The mark after clearing a cell that ended at `finishedAt`. */
export function clearedThrough(mark: string | undefined, finishedAt: string): string {
  return mark !== undefined && time(mark) >= time(finishedAt) ? mark : finishedAt;
}

/** Whether a cell of a run that ended at `finishedAt` was cleared. */
export function isCleared(mark: string | undefined, finishedAt: string): boolean {
  return mark !== undefined && time(finishedAt) <= time(mark);
}

/** The newest MAX_CLEARED_RUNS marks. */
function newest(marks: ClearedMarks): ClearedMarks {
  return Object.fromEntries(
    Object.entries(marks)
      .sort(([, a], [, b]) => time(b) - time(a))
      .slice(0, MAX_CLEARED_RUNS)
  );
}

/** Marks kept for the session only. */
export function clearedInMemory(): ClearedRunOutputs {
  const notebooks = new Map<string, ClearedMarks>();
  return {
    load: async path => ({ ...(notebooks.get(path) ?? {}) }),
    save: (path, marks) => notebooks.set(path, newest(marks))
  };
}

/** JupyterLab's state database key of a notebook's marks. */
export function clearedStateKey(path: string): string {
  return `jupyterlab-cellpipe:cleared-run-outputs:${path}`;
}

/** Marks kept in JupyterLab's state database, so a reload does not bring cleared outputs back. */
export function clearedInStateDb(state: IStateDB): ClearedRunOutputs {
  return {
    load: async path => {
      const value = await state.fetch(clearedStateKey(path));
      return value && typeof value === 'object' && !Array.isArray(value)
        ? (Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'string')) as ClearedMarks)
        : {};
    },
    save: (path, marks) => {
      state
        .save(clearedStateKey(path), newest(marks) as ReadonlyPartialJSONObject)
        .catch(reason => console.warn('cellpipe: cannot remember cleared outputs', reason));
    }
  };
}
