import { mkdirSync } from 'node:fs';
import type { Pipeline } from '../../../src/core/pipeline';
import type { JsonValue, RunEvent, RunState, StepState, SweepMembership } from '../../../src/core/run/types';
import type { PipelineRun, RunHandle } from './backend';
import type { RunStore } from './runStore';

/** What is shared by the backends that run a compiled pipeline elsewhere (kubernetes, kfp). */

/** A step of a remote run (kubernetes or kfp); its id is the task name in the compiled DAG. */
export interface RemoteStep {
  id: string;
  name: string;
  dependsOn: string[];
}

export function pendingSteps(steps: RemoteStep[]): StepState[] {
  return steps.map(s => ({ id: s.id, name: s.name, dependsOn: s.dependsOn, status: 'Pending', cached: false, attempts: 0 }));
}

/** What a remote backend is asked to run, whatever compiled form it takes. */
export interface RemoteRunInput {
  pipelineName: string;
  notebookPath?: string;
  parameters: Record<string, JsonValue>;
  steps: RemoteStep[];
  sweep?: SweepMembership;
}

/** The run as a remote backend records it. */
export function remoteRunInput(run: PipelineRun): RemoteRunInput {
  const { pipeline, parameters } = run;
  return {
    pipelineName: pipeline.name,
    notebookPath: pipeline.notebookPath ?? undefined,
    parameters,
    steps: pipeline.steps.map(s => ({ id: s.id, name: s.name, dependsOn: s.dependsOn })),
    ...(run.sweep ? { sweep: run.sweep } : {})
  };
}

/** The pipeline with this run's parameter values as its defaults, so the compiled document carries them. */
export function withRunValues(pipeline: Pipeline, values: Record<string, JsonValue>): Pipeline {
  return { ...pipeline, parameters: pipeline.parameters.map(p => (p.name in values ? { ...p, default: values[p.name] } : p)) };
}

/**
 * Records a new remote run in the local run store (run.json and a folder per step for its log),
 * with where it runs (`kubernetes` or `kfp` fields), and returns its state.
 */
export function recordRemoteRun(
  store: RunStore,
  runId: string,
  input: RemoteRunInput,
  where: Pick<RunState, 'backend' | 'kubernetes' | 'kfp'>
): RunState {
  const state: RunState = {
    runId,
    pipelineName: input.pipelineName,
    notebookPath: input.notebookPath,
    status: 'Pending',
    createdAt: new Date().toISOString(),
    parameters: input.parameters,
    metrics: {},
    steps: pendingSteps(input.steps),
    ...(input.sweep ? { sweep: input.sweep } : {}),
    ...where
  };
  for (const step of state.steps) {
    mkdirSync(store.stepDir(runId, step.id), { recursive: true });
  }
  store.add(state);
  return state;
}

export interface RemoteRunTracking {
  store: RunStore;
  emit: (event: RunEvent) => void;
  /** The run's latest state. */
  state: () => RunState;
  /** What is followed, for messages: "workflow 'x'". */
  what: string;
}

/**
 * The handle of a remote run. `follow` settles when the run has finished; if following fails the
 * run is recorded as Failed with the reason, though the cluster may still be running it.
 */
export function remoteRunHandle(tracking: RemoteRunTracking, follow: Promise<unknown>, cancel: () => Promise<unknown>): RunHandle {
  const { store, emit } = tracking;
  const runId = tracking.state().runId;
  const finish = (state: RunState): RunState => {
    store.save(state);
    emit({ type: 'run', runId, status: state.status, message: state.message });
    return state;
  };
  const done = follow.then(
    () => finish(tracking.state()),
    (error: Error) =>
      finish({
        ...tracking.state(),
        status: 'Failed',
        message: `lost track of ${tracking.what}: ${error.message} (\`cellpipe status ${runId}\` asks again)`
      })
  );
  return {
    runId,
    done,
    cancel: () => {
      cancel().catch((error: Error) => emit({ type: 'run', runId, status: tracking.state().status, message: `cancel failed: ${error.message}` }));
    }
  };
}
