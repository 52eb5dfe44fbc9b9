/** Run and step status documents, as the service sends them, for specs. */
import type { RunState, StepState, StepStatus } from '../core/run/types';

export function stepState(name: string, status: StepStatus, more: Partial<StepState> = {}): StepState {
  return { id: name, name, status, dependsOn: [], cached: false, attempts: status === 'Pending' ? 0 : 1, ...more };
}

export function runState(runId: string, steps: StepState[], more: Partial<RunState> = {}): RunState {
  return {
    runId,
    backend: 'local',
    pipelineName: 'pipeline',
    notebookPath: 'work/pipeline.ipynb',
    status: 'Pending',
    createdAt: '2026-12-04T08:00:00.000Z',
    parameters: {},
    steps,
    metrics: {},
    ...more
  };
}
