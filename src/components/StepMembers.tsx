/**
 * What the step panel shows of a step that runs as several workers (`workers:N`) or serves a
 * model (`serve:`; docs/distributed-and-serving.md): each rank's status, the served model's
 * endpoint and whether it answered as the notebook's own model.predict.
 */
import React from 'react';
import type { StepState } from '../core/run/types';
import { DISPLAY, type StepDisplayStatus } from '../models/stepStatus';
import { StatusMark } from './StatusMark';

/** One of a step's members: a fan-out item (`item`, numbered from 1 as shown) or a worker (`rank`). */
export interface MemberLine {
  index: number;
  status: StepDisplayStatus;
  message?: string;
}

/**
 * A step's members, one line each with its status mark and, when it failed, why: the items of a
 * fan-out step (SidebarPanel.tsx) and the ranks of a distributed one. `data-item`/`data-rank` hold
 * the 0-based index.
 */
export function MemberList({
  kind,
  summary,
  label,
  members
}: {
  kind: 'item' | 'rank';
  summary: string;
  label: string;
  members: MemberLine[];
}): JSX.Element {
  return (
    <div className="cp-InstancesPanel">
      <div className="cp-Muted">{summary}</div>
      <ol className="cp-Instances" aria-label={label} tabIndex={0}>
        {members.map(member => (
          <li key={member.index} {...{ [`data-${kind}`]: member.index }}>
            {kind} {kind === 'item' ? member.index + 1 : member.index} <StatusMark status={member.status} />
            {member.message && <span className="cp-Muted"> {member.message}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** A distributed step's workers, rank by rank (rank 0's log is the step's), with why one failed. */
export function Workers({ step }: { step: StepState }): JSX.Element | null {
  const workers = step.workers;
  if (!workers) {
    return null;
  }
  return (
    <MemberList
      kind="rank"
      summary={`${workers.length} worker${workers.length === 1 ? '' : 's'} (torchrun's environment; rank 0 saves the step's values)`}
      label={`workers of step ${step.name}`}
      members={workers.map((worker, rank) => ({ index: rank, status: DISPLAY[worker.status], message: worker.message }))}
    />
  );
}

/** The model a `serve:` step serves: where it answers, and whether it answered as the notebook's model does. */
export function Served({ step }: { step: StepState }): JSX.Element | null {
  const served = step.served;
  if (!served) {
    return null;
  }
  const endpoint = `${served.url}/v1/models/${served.name}:predict`;
  return (
    <div className="cp-Served" data-served={served.status}>
      <StatusMark status={served.status === 'Ready' ? 'succeeded' : 'failed'} /> serves <strong>{served.name}</strong>
      {served.status === 'Ready' ? (
        <>
          {' '}
          at <code className="cp-Served-url">{endpoint}</code>
          {served.prediction && (
            <div className="cp-Muted">answered {served.prediction.predictions.length} rows as the notebook's model.predict does</div>
          )}
        </>
      ) : (
        <div className="cp-Muted">{served.message}</div>
      )}
    </div>
  );
}
