import type { KubeConfig } from '@kubernetes/client-node';
import type { OutputSummary } from '../../../../src/core/run/api';
import { isFinished } from '../../../../src/core/run/api';
import { compileTarget } from '../../../../src/core/compile/targets';
import type { RunEvent, RunState, StepMember } from '../../../../src/core/run/types';
import { CellpipeError } from '../../errors';
import { nodeCodec } from '../../nodeCodec';
import type { Backend, PipelineRun, RunHandle } from '../backend';
import type { RunStore } from '../runStore';
import { ArgoApi } from './argoApi';
import { saveEndedStepsOutputs } from './cellOutputsParameter';
import { workflowNodes, type ArgoWorkflow } from './argoWorkflow';
import { kubeNamespace, loadKubeConfig } from './kubeConfig';
import { RunLogFollower } from './logFollower';
import { readStepLogs } from './podLogs';
import { recordRemoteRun, remoteRunHandle, remoteRunInput, withRunValues, type RemoteRunInput } from '../remoteRun';
import { argoRunStatus, argoStepStates, stepPodNodes } from './stepStatus';
import { watchWorkflow } from './workflowWatch';

export interface KubernetesRunInput extends RemoteRunInput {
  /** The compiled Workflow; its name is replaced by the run id. */
  workflow: ArgoWorkflow;
}

export interface KubernetesBackendOptions {
  store: RunStore;
  /** Default: the kubeconfig found the standard way (see kubeConfig.ts). */
  kubeConfig?: KubeConfig;
  /** Default: the current context's namespace. */
  namespace?: string;
  /** Image of steps that name none (no image: tag, no notebook image). */
  image?: string;
  onEvent?: (event: RunEvent) => void;
  /** Pause before re-watching, or following a step's log again, after a failure (default 1000 ms). */
  retryDelayMs?: number;
}

/** The ArgoApi for a stored kubernetes run. */
export function argoApiFor(state: RunState, kubeConfig: KubeConfig = loadKubeConfig()): { api: ArgoApi; workflowName: string } {
  if (!state.kubernetes) {
    throw new Error(`run '${state.runId}' was not run on Kubernetes`);
  }
  return { api: new ArgoApi(kubeConfig, state.kubernetes.namespace), workflowName: state.kubernetes.workflowName };
}

/** A run's state with the workflow's current state applied. */
export function applyWorkflow(state: RunState, workflow: ArgoWorkflow): RunState {
  const steps = argoStepStates(workflow, state.steps);
  const run = argoRunStatus(workflow, steps);
  return {
    ...state,
    status: run.status,
    message: run.message,
    startedAt: workflow.status?.startedAt || state.startedAt,
    finishedAt: workflow.status?.finishedAt || undefined,
    steps,
    metrics: Object.assign({}, ...steps.map(s => s.metrics ?? {}))
  };
}

/** What the pods of one step printed, read from the cluster now. */
export async function kubernetesStepLog(state: RunState, stepId: string, kubeConfig?: KubeConfig): Promise<string> {
  const { api, workflowName } = argoApiFor(state, kubeConfig);
  const workflow = await api.get(workflowName);
  return readStepLogs(api, workflowName, stepPodNodes(workflowNodes(workflow.status), stepId));
}

/** Reads the workflow of a stored run again and saves what it says. */
export async function refreshKubernetesRun(store: RunStore, state: RunState, kubeConfig?: KubeConfig): Promise<RunState> {
  const { api, workflowName } = argoApiFor(state, kubeConfig);
  const workflow = await api.get(workflowName);
  const next = applyWorkflow(state, workflow);
  saveEndedStepsOutputs(store, workflow, next);
  store.save(next);
  return next;
}

/** Asks Argo to terminate the workflow of a stored run (`spec.shutdown: Terminate`). */
export async function cancelKubernetesRun(state: RunState, kubeConfig?: KubeConfig): Promise<void> {
  const { api, workflowName } = argoApiFor(state, kubeConfig);
  await api.shutdown(workflowName, 'Terminate');
}

/**
 * Runs a compiled Argo Workflow on Kubernetes: creates it (named by the run id), watches it to the
 * end, reports its nodes as step states and the steps' pod logs as log events while they run
 * (logFollower.ts), exactly like the local backend, and records the run in the local run store so `cellpipe status/logs/cancel` work.
 */
export class KubernetesBackend implements Backend {
  readonly name = 'kubernetes';
  private readonly kc: KubeConfig;
  readonly namespace: string;

  constructor(private readonly options: KubernetesBackendOptions) {
    this.kc = options.kubeConfig ?? loadKubeConfig();
    this.namespace = kubeNamespace(this.kc, options.namespace);
  }

  /** Compiles the pipeline into a Workflow (checked as `cellpipe compile --target argo` checks it) and submits it. */
  start(run: PipelineRun): Promise<RunHandle> {
    const { workflow } = compileTarget(withRunValues(run.pipeline, run.parameters), 'argo', { image: this.options.image }, nodeCodec);
    return this.submit({ ...remoteRunInput(run), workflow: workflow! });
  }

  async retry(state: RunState, _from?: string): Promise<RunHandle> {
    throw new CellpipeError(
      'unsupported',
      `run ${state.runId} ran on Kubernetes: retrying an Argo Workflow is not supported yet; start the notebook again`
    );
  }

  async cancel(state: RunState): Promise<string> {
    if (isFinished(state.status)) {
      throw new CellpipeError('conflict', `run ${state.runId} is ${state.status}: nothing to cancel`);
    }
    await cancelKubernetesRun(state, this.kc);
    return `cancel requested for run ${state.runId} (kubernetes)`;
  }

  async refresh(state: RunState): Promise<RunState> {
    return isFinished(state.status) ? state : refreshKubernetesRun(this.options.store, state, this.kc);
  }

  /**
   * A finished run's log as saved when its steps ended (the follower re-reads each whole log then;
   * Argo's podGC deletes succeeded pods and their logs after). A run still going, or one this
   * machine did not follow, is read from the pods, falling back to what was saved.
   */
  async stepLog(state: RunState, stepId: string, member?: StepMember): Promise<string> {
    if (member) {
      throw new CellpipeError(
        'unsupported',
        `the log of one ${member.group === 'items' ? 'item' : 'worker'} of a cluster run's step is its pod's: \`kubectl logs\` in namespace ${state.kubernetes?.namespace} (the step's log holds every ${member.group === 'items' ? 'item' : "rank 0's"} output)`
      );
    }
    const saved = isFinished(state.status) ? this.options.store.readLog(state.runId, stepId) : undefined;
    if (saved) {
      return saved;
    }
    try {
      return await kubernetesStepLog(state, stepId, this.kc);
    } catch (error) {
      const saved = this.options.store.readLog(state.runId, stepId);
      if (saved !== undefined) {
        return saved;
      }
      throw error;
    }
  }

  /** The values are on the cluster's volume, which this process cannot read. */
  async stepOutputs(): Promise<OutputSummary[]> {
    return [];
  }

  /** Creates a compiled Workflow, named by the run id, and follows it. */
  async submit(input: KubernetesRunInput): Promise<RunHandle> {
    const { store } = this.options;
    const emit = this.options.onEvent ?? ((): void => undefined);
    const api = new ArgoApi(this.kc, this.namespace);
    const runId = store.newRunId(input.pipelineName);
    const { generateName: _ignored, ...metadata } = input.workflow.metadata;
    await api.create({ ...input.workflow, metadata: { ...metadata, name: runId, namespace: this.namespace } });

    let state = recordRemoteRun(store, runId, input, { backend: 'kubernetes', kubernetes: { namespace: this.namespace, workflowName: runId } });
    emit({ type: 'run', runId, status: 'Pending' });

    const logs = new RunLogFollower({
      api,
      workflowName: runId,
      logPath: stepId => store.logPath(runId, stepId),
      onText: (stepId, stream, text) => emit({ type: 'log', runId, stepId, stream, text }),
      retryDelayMs: this.options.retryDelayMs ?? 1000
    });

    // The cell outputs document saved for each step, by step id (saveEndedStepsOutputs).
    const savedOutputs = new Map<string, string>();
    const onChange = (workflow: ArgoWorkflow): void => {
      const next = applyWorkflow(state, workflow);
      next.steps.forEach((step, i) => {
        const before = state.steps[i];
        if (JSON.stringify(step) !== JSON.stringify(before)) {
          if (step.status !== before.status || step.attempts !== before.attempts) {
            emit({ type: 'step', runId, step });
          }
        }
      });
      logs.update(workflow, next.steps);
      for (const { stepId, cells } of saveEndedStepsOutputs(store, workflow, next, savedOutputs)) {
        emit({ type: 'cell-outputs', runId, stepId, cells });
      }
      const statusChanged = next.status !== state.status;
      state = next;
      store.save(state);
      if (statusChanged && next.status !== 'Succeeded' && next.status !== 'Failed' && next.status !== 'Cancelled') {
        emit({ type: 'run', runId, status: next.status, message: next.message });
      }
    };

    const watch = watchWorkflow({ api, name: runId, onChange, retryDelayMs: this.options.retryDelayMs });
    return remoteRunHandle(
      { store, emit, state: () => state, what: `workflow '${runId}'` },
      watch.done.finally(() => logs.close()),
      () => {
        logs.stop();
        return api.shutdown(runId, 'Terminate');
      }
    );
  }
}
