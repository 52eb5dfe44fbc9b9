import React from 'react';
import type { RunState, RunStatus } from '../core/run/types';
import { hasSavedOutputs, STATUS_MARKS, type StepDisplayStatus } from '../models/stepStatus';

const RUN_DISPLAY: Record<RunStatus, StepDisplayStatus> = {
  Pending: 'queued',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Cancelled: 'cancelled'
};

/** A run's status (icon and word) and how many of its steps have their values. */
export function RunLine({ run }: { run: RunState }): JSX.Element {
  const done = run.steps.filter(hasSavedOutputs).length;
  const display = RUN_DISPLAY[run.status];
  return (
    <span className={`cp-RunStatus cp-StatusMark cp-mod-${display}`} data-status={run.status}>
      <span className="cp-StatusMark-icon" aria-hidden="true">
        {STATUS_MARKS[display].icon}
      </span>
      {run.status} · {done}/{run.steps.length} steps
    </span>
  );
}
