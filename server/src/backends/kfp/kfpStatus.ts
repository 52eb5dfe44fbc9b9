import type { RunStatus, StepState, StepStatus } from '../../../../src/core/run/types';
import { itemsTaskName } from '../../../../src/core/compile/cluster/fanOutNames';
import type { KfpRun, KfpState, KfpTaskDetail } from './kfpClient';

/** Maps a KFP v2beta1 run and its task details (task display name = step id) to cellpipe states. */

const STEP_STATUS: Record<KfpState, StepStatus> = {
  RUNTIME_STATE_UNSPECIFIED: 'Pending',
  PENDING: 'Pending',
  RUNNING: 'Running',
  PAUSED: 'Running',
  CANCELING: 'Running',
  SUCCEEDED: 'Succeeded',
  SKIPPED: 'Skipped',
  FAILED: 'Failed',
  CANCELED: 'Cancelled'
};

export function kfpRunFinished(run: KfpRun): boolean {
  return run.state === 'SUCCEEDED' || run.state === 'FAILED' || run.state === 'CANCELED' || run.state === 'SKIPPED';
}

export function kfpRunStatus(run: KfpRun): { status: RunStatus; message?: string } {
  const step = STEP_STATUS[run.state ?? 'PENDING'] ?? 'Pending';
  // A run whose every task was skipped (cached) has nothing left to do.
  const status: RunStatus = step === 'Skipped' || step === 'Cached' ? 'Succeeded' : step;
  return { status, message: run.error?.message || undefined };
}

/** The latest task detail of a step (a task may show up more than once, e.g. after a retry). */
function stepTask(tasks: KfpTaskDetail[], stepId: string): KfpTaskDetail | undefined {
  return tasks
    .filter(t => t.display_name === stepId)
    .sort((a, b) => ((a.start_time ?? '') < (b.start_time ?? '') ? -1 : 1))
    .pop();
}

/**
 * A fan-out step whose gather has not run (compile/kfp/fanOut.ts): its state is its loop's, the
 * loop's success meaning the gather is next. KFP's API names no item of a failed iteration (task
 * details carry no inputs): the KFP UI shows the loop's iterations.
 */
function fanOutLoopState(step: StepState, loop: KfpTaskDetail, finished: boolean): StepState {
  const status = STEP_STATUS[loop.state ?? 'PENDING'] ?? 'Pending';
  if (status === 'Failed' || (finished && status !== 'Cancelled')) {
    return {
      ...step,
      status: 'Failed',
      startedAt: loop.start_time || undefined,
      finishedAt: loop.end_time || undefined,
      message: `an item failed (its task is an iteration of ${itemsTaskName(step.id)} in the KFP UI): ${loop.error?.message || 'failed'}`
    };
  }
  return { ...step, status: status === 'Succeeded' ? 'Running' : status, startedAt: loop.start_time || undefined };
}

export function kfpStepStates(run: KfpRun, steps: StepState[]): StepState[] {
  const tasks = run.run_details?.task_details ?? [];
  const finished = kfpRunFinished(run);
  return steps.map(step => {
    const task = stepTask(tasks, step.id);
    const loop = task ? undefined : stepTask(tasks, itemsTaskName(step.id));
    if (loop) {
      return fanOutLoopState(step, loop, finished);
    }
    if (!task) {
      if (!finished) {
        return { ...step, status: 'Pending' };
      }
      const status = run.state === 'CANCELED' ? 'Cancelled' : 'Skipped';
      return { ...step, status, message: status === 'Cancelled' ? 'cancelled' : 'not run: a step it depends on did not succeed' };
    }
    let status = STEP_STATUS[task.state ?? 'PENDING'] ?? 'Pending';
    if (finished && (status === 'Running' || status === 'Pending')) {
      status = run.state === 'CANCELED' ? 'Cancelled' : 'Failed'; // the run ended without this task
    }
    return {
      ...step,
      status,
      attempts: Math.max(1, tasks.filter(t => t.display_name === step.id).length) * (status === 'Pending' ? 0 : 1),
      startedAt: task.start_time || undefined,
      finishedAt: task.end_time || undefined,
      message: status === 'Failed' ? task.error?.message || 'failed' : undefined
    };
  });
}
