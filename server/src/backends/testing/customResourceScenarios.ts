/**
 * Canned lives of the custom resources a launcher creates (fakeCustomResources.ts): the status
 * frames a TrainJob, PyTorchJob or InferenceService goes through, one frame each time the launcher
 * reads it, with the phase of the job's rank 0 pod and what it has logged by then. Conditions are
 * as the controllers write them: Trainer v2 (Created, Suspended, Complete, Failed; a deadline is
 * Failed with reason DeadlineExceeded), Training Operator v1 (Created, Running, Suspended,
 * Succeeded, Failed), KServe (PredictorReady, IngressReady, Ready).
 */

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface Frame {
  conditions: Condition[];
  /** Rank 0's pod (jobs): its phase from this frame on, and the log it has written by then. */
  rankZero?: { phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed'; log?: string };
  /** InferenceService: the Ready service's address is the fake's own predictor. */
  ready?: boolean;
}

const at = (type: string, reason: string, message = '', status: Condition['status'] = 'True'): Condition => ({ type, status, reason, message });

/** The condition a successful job ends with, by kind. */
const DONE: Record<string, string> = { TrainJob: 'Complete', PyTorchJob: 'Succeeded' };

export function completeJob(kind: string, log: string): Frame[] {
  return [
    { conditions: [at('Created', 'JobCreated')], rankZero: { phase: 'Pending' } },
    { conditions: [at('Created', 'JobCreated')], rankZero: { phase: 'Running', log: log.slice(0, Math.ceil(log.length / 2)) } },
    { conditions: [at('Created', 'JobCreated'), at(DONE[kind], 'JobsCompleted', `${kind} completed`)], rankZero: { phase: 'Succeeded', log } }
  ];
}

export function failedJob(kind: string, log: string, message: string): Frame[] {
  return [
    { conditions: [at('Created', 'JobCreated')], rankZero: { phase: 'Running', log } },
    { conditions: [at('Created', 'JobCreated'), at('Failed', 'FailedJobs', message)], rankZero: { phase: 'Failed', log } }
  ];
}

export function deadlineExceeded(log: string): Frame[] {
  return [
    { conditions: [at('Created', 'JobCreated')], rankZero: { phase: 'Running', log } },
    {
      conditions: [at('Created', 'JobCreated'), at('Failed', 'DeadlineExceeded', 'the job was active longer than its activeDeadlineSeconds')],
      rankZero: { phase: 'Failed', log }
    }
  ];
}

/** Suspended (e.g. by Kueue) for `frames` reads, then resumed and complete. */
export function suspendedThenComplete(kind: string, log: string, frames = 3): Frame[] {
  const suspended: Frame = { conditions: [at('Created', 'JobCreated'), at('Suspended', 'Suspended', 'the job is suspended')] };
  const resumed = at('Suspended', 'Resumed', 'the job is resumed', 'False');
  return [
    ...Array.from({ length: frames }, () => suspended),
    ...completeJob(kind, log).map(frame => ({ ...frame, conditions: [...frame.conditions, resumed] }))
  ];
}

export function readyService(): Frame[] {
  return [
    { conditions: [at('PredictorReady', 'Pending', '', 'Unknown'), at('Ready', 'Pending', '', 'Unknown')] },
    { conditions: [at('IngressReady', 'Ready'), at('PredictorReady', 'Ready'), at('Ready', 'Ready')], ready: true }
  ];
}

/** Never Ready: the predictor cannot pull its model. */
export function neverReadyService(): Frame[] {
  return [
    {
      conditions: [
        at('PredictorReady', 'RevisionMissing', 'Revision "iris-predictor-00001" failed with message: model not found', 'False'),
        at('Ready', 'RevisionMissing', 'Configuration "iris-predictor" does not have any ready Revision', 'False')
      ]
    }
  ];
}
