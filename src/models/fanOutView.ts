import type { StepAnalysis } from '../core/analysis';
import type { StepState } from '../core/run/types';
import { DISPLAY, STATUS_MARKS, type StepDisplayStatus } from './stepStatus';

/** One instance of a fan-out step as the DAG and the step panel show it. */
export interface InstanceMark {
  item: number;
  status: StepDisplayStatus;
  /** Its accessible name: `item 3: failed` (items counted from 1, as people count). */
  label: string;
  message?: string;
}

/** A fan-out step's node: its count (or, before the producer ran, what it fans out over) and its instances' statuses. */
export interface FanOutView {
  /** `×8` once the list's length is known, else `× each item of folds`. */
  badge: string;
  /** In words, for the node's accessible name and tooltip: `8 items: 6 succeeded, 1 failed, 1 running`. */
  summary: string;
  marks: InstanceMark[];
}

/**
 * How a fan-out step shows (null for other steps): from the run's StepState.instances when the
 * run has them, else from the analysis (`foreach:NAME`), whose count is unknown until NAME is made.
 */
export function fanOutView(fanOut: StepAnalysis['fanOut'], state: StepState | null | undefined): FanOutView | null {
  const instances = state?.instances;
  if (!instances) {
    return fanOut ? { badge: `× each item of ${fanOut.over}`, summary: `runs once per item of ${fanOut.over}`, marks: [] } : null;
  }
  const marks = instances.map((instance, item): InstanceMark => {
    const status = DISPLAY[instance.status];
    return { item, status, label: `item ${item + 1}: ${STATUS_MARKS[status].label}`, ...(instance.message ? { message: instance.message } : {}) };
  });
  const counts = new Map<StepDisplayStatus, number>();
  marks.forEach(mark => counts.set(mark.status, (counts.get(mark.status) ?? 0) + 1));
  const parts = [...counts].map(([status, n]) => `${n} ${STATUS_MARKS[status].label}`);
  const items = `${instances.length} item${instances.length === 1 ? '' : 's'}`;
  return { badge: `×${instances.length}`, summary: parts.length ? `${items}: ${parts.join(', ')}` : items, marks };
}
