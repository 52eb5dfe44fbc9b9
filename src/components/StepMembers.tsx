/**
 * What the step panel shows of a step that runs as several workers (`workers:N`) or serves a
 * model (`serve:`; docs/distributed-and-serving.md): each rank's status, the served model's
 * endpoint and whether it answered as the notebook's own model.predict.
 */
import React from 'react';
import type { StepState } from '../core/run/types';
import { DISPLAY } from '../models/stepStatus';
import { StatusMark } from './StatusMark';

/** A distributed step's workers, rank by rank (rank 0's log is the step's), with why one failed. */
export function Workers({ step }: { step: StepState }): JSX.Element | null {
  const workers = step.workers;
  if (!workers) {
    return null;
  }
  return (
    <div className="cp-InstancesPanel">
      <div className="cp-Muted">
        {workers.length} worker{workers.length === 1 ? '' : 's'} (torchrun's environment; rank 0 saves the step's values)
      </div>
      <ol className="cp-Instances" aria-label={`workers of step ${step.name}`} tabIndex={0}>
        {workers.map((worker, rank) => (
          <li key={rank} data-rank={rank}>
            rank {rank} <StatusMark status={DISPLAY[worker.status]} />
            {worker.message && <span className="cp-Muted"> {worker.message}</span>}
          </li>
        ))}
      </ol>
    </div>
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
