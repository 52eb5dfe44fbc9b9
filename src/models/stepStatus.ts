import type { RunState, StepState } from '../core/run/types';

/** What a step's status is called on the DAG and on its cells. */
export type StepDisplayStatus = 'idle' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cached' | 'skipped' | 'cancelled';

export interface StepView {
  status: StepDisplayStatus;
  /** Seconds the step ran (or has been running, measured at `now`). */
  seconds: number | null;
  state: StepState | null;
}

/** A backend's status word as the DAG and the cells call it (a fan-out step's items' too). */
export const DISPLAY: Record<StepState['status'], StepDisplayStatus> = {
  Pending: 'queued',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Skipped: 'skipped',
  Cached: 'cached',
  Cancelled: 'cancelled'
};

/**
 * How a status reads: an icon and a word, never colour alone (cached is not succeeded: its values
 * came from an earlier run). The icons are text, so they take the label's colour and contrast.
 */
export const STATUS_MARKS: Record<StepDisplayStatus, { icon: string; label: string }> = {
  idle: { icon: '○', label: 'not run' },
  queued: { icon: '…', label: 'queued' },
  running: { icon: '▶', label: 'running' },
  succeeded: { icon: '✓', label: 'succeeded' },
  cached: { icon: '↺', label: 'cached' },
  failed: { icon: '✕', label: 'failed' },
  skipped: { icon: '⤼', label: 'skipped' },
  cancelled: { icon: '⊘', label: 'cancelled' }
};

/** The status of the step called `name` in `run` (by the user's step name, as the cells know it). */
export function stepView(run: RunState | null, name: string, now: number = Date.now()): StepView {
  const state = run?.steps.find(s => s.name === name) ?? null;
  if (!state) {
    return { status: 'idle', seconds: null, state: null };
  }
  const started = state.startedAt ? Date.parse(state.startedAt) : NaN;
  const finished = state.finishedAt ? Date.parse(state.finishedAt) : state.status === 'Running' ? now : NaN;
  const seconds = Number.isFinite(started) && Number.isFinite(finished) ? Math.max(0, (finished - started) / 1000) : null;
  // A step of a run that reused it is cached, whatever word its backend used.
  const status = state.status === 'Succeeded' && state.cached ? 'cached' : DISPLAY[state.status];
  return { status, seconds, state };
}

/** A step that succeeded, now or in the cached run it reused, has its outputs saved. */
export function hasSavedOutputs(step: StepState): boolean {
  return step.status === 'Succeeded' || step.status === 'Cached';
}

export function formatSeconds(seconds: number | null): string {
  if (seconds === null) {
    return '';
  }
  if (seconds < 60) {
    return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  }
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) {
    return '';
  }
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}
