import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { compileTarget } from '../../../../src/core/compile/targets';
import type { OutputSummary } from '../../../../src/core/run/api';
import { isFinished } from '../../../../src/core/run/api';
import type { RunEvent, RunState } from '../../../../src/core/run/types';
import { CellpipeError } from '../../errors';
import { nodeCodec } from '../../nodeCodec';
import type { Backend, PipelineRun, RunHandle } from '../backend';
import { recordRemoteRun, remoteRunHandle, remoteRunInput, withRunValues, type RemoteRunInput } from '../remoteRun';
import { dnsLabel } from '../../../../src/core/pipeline';
import type { RunStore } from '../runStore';
import { kfpAuth, KfpClient, type KfpAuth, type KfpRun } from './kfpClient';
import { kfpRunFinished, kfpRunStatus, kfpStepStates } from './kfpStatus';

export interface KfpRunInput extends RemoteRunInput {
  /** The compiled KFP v2 PipelineSpec (document 1 of the compiled file). */
  pipelineSpec: object;
  /** The `platforms.kubernetes` document (document 2), if any. */
  platformSpec?: object;
}

export interface KfpBackendOptions {
  store: RunStore;
  host: string;
  auth?: KfpAuth;
  experimentId?: string;
  onEvent?: (event: RunEvent) => void;
  /** Between two reads of the run (default 2000 ms). */
  pollMs?: number;
  /** Image of steps that name none (no image: tag, no notebook image). */
  image?: string;
}

export function applyKfpRun(state: RunState, run: KfpRun): RunState {
  const { status, message } = kfpRunStatus(run);
  return {
    ...state,
    status,
    message,
    startedAt: run.scheduled_at || state.startedAt,
    finishedAt: kfpRunFinished(run) ? run.finished_at : undefined,
    steps: kfpStepStates(run, state.steps)
  };
}

function clientFor(state: RunState, auth: KfpAuth): { client: KfpClient; runId: string } {
  if (!state.kfp) {
    throw new Error(`run '${state.runId}' was not run on Kubeflow Pipelines`);
  }
  return { client: new KfpClient(state.kfp.host, auth), runId: state.kfp.runId };
}

export async function refreshKfpRun(store: RunStore, state: RunState, auth: KfpAuth = kfpAuth()): Promise<RunState> {
  const { client, runId } = clientFor(state, auth);
  const next = applyKfpRun(state, await client.getRun(runId));
  store.save(next);
  return next;
}

export async function cancelKfpRun(state: RunState, auth: KfpAuth = kfpAuth()): Promise<void> {
  const { client, runId } = clientFor(state, auth);
  await client.terminateRun(runId);
}

/**
 * Runs a compiled KFP v2 pipeline on a Kubeflow Pipelines server: uploads it (pipeline named after
 * the run), starts a run of its version with the run's parameters, polls the run and its tasks and
 * reports them as the same RunEvents the local backend emits. Step logs are not in this API.
 */
export class KfpBackend implements Backend {
  readonly name = 'kfp';
  private readonly client: KfpClient;

  constructor(private readonly options: KfpBackendOptions) {
    this.client = new KfpClient(options.host, options.auth ?? {});
  }

  /** Compiles the pipeline into KFP v2 documents (checked as `cellpipe compile --target kfp` checks them) and submits them. */
  start(run: PipelineRun): Promise<RunHandle> {
    const { kfp } = compileTarget(withRunValues(run.pipeline, run.parameters), 'kfp', { image: this.options.image }, nodeCodec);
    return this.submit({ ...remoteRunInput(run), pipelineSpec: kfp!.pipelineSpec, platformSpec: kfp!.platformSpec });
  }

  async retry(state: RunState, _from?: string): Promise<RunHandle> {
    throw new CellpipeError(
      'unsupported',
      `run ${state.runId} ran on Kubeflow Pipelines: retry it from the KFP UI (${state.kfp?.host}/#/runs/details/${state.kfp?.runId})`
    );
  }

  async cancel(state: RunState): Promise<string> {
    if (isFinished(state.status)) {
      throw new CellpipeError('conflict', `run ${state.runId} is ${state.status}: nothing to cancel`);
    }
    await cancelKfpRun(state, this.options.auth);
    return `cancel requested for run ${state.runId} (kfp)`;
  }

  async refresh(state: RunState): Promise<RunState> {
    return isFinished(state.status) ? state : refreshKfpRun(this.options.store, state, this.options.auth);
  }

  async stepLog(state: RunState): Promise<string> {
    throw new CellpipeError(
      'unsupported',
      `the Kubeflow Pipelines API does not serve step logs: open run ${state.kfp?.runId} in the KFP UI (${state.kfp?.host}/#/runs/details/${state.kfp?.runId})`
    );
  }

  /** The values are on the cluster's volume, which this process cannot read. */
  async stepOutputs(): Promise<OutputSummary[]> {
    return [];
  }

  /** Uploads compiled KFP documents and starts a run of them. */
  async submit(input: KfpRunInput): Promise<RunHandle> {
    const { store } = this.options;
    const emit = this.options.onEvent ?? ((): void => undefined);
    const runId = store.newRunId(input.pipelineName);
    const documents = [input.pipelineSpec, ...(input.platformSpec ? [input.platformSpec] : [])].map(d => stringify(d)).join('---\n');
    const pipeline = await this.client.uploadPipeline(`${dnsLabel(input.pipelineName, 30, 'pipeline')}-${runId.slice(-22)}`, documents);
    const [version] = await this.client.pipelineVersions(pipeline.pipeline_id);
    if (!version) {
      throw new Error(`the KFP server created pipeline ${pipeline.pipeline_id} without a version`);
    }
    const run = await this.client.createRun({
      display_name: runId,
      ...(this.options.experimentId ? { experiment_id: this.options.experimentId } : {}),
      pipeline_version_reference: { pipeline_id: pipeline.pipeline_id, pipeline_version_id: version.pipeline_version_id },
      runtime_config: { parameters: input.parameters }
    });
    let state = recordRemoteRun(store, runId, input, {
      backend: 'kfp',
      kfp: { host: this.client.host, runId: run.run_id, pipelineId: pipeline.pipeline_id }
    });
    emit({ type: 'run', runId, status: 'Pending' });

    const follow = async (): Promise<void> => {
      let current = run;
      for (;;) {
        const next = applyKfpRun(state, current);
        next.steps.forEach((step, i) => {
          if (step.status !== state.steps[i].status) {
            emit({ type: 'step', runId, step });
          }
        });
        const changed = next.status !== state.status;
        state = next;
        store.save(state);
        if (kfpRunFinished(current)) {
          break;
        }
        if (changed) {
          emit({ type: 'run', runId, status: state.status, message: state.message });
        }
        await sleep(this.options.pollMs ?? 2000);
        current = await this.client.getRun(run.run_id);
      }
    };
    return remoteRunHandle({ store, emit, state: () => state, what: `KFP run ${run.run_id}` }, follow(), () => this.client.terminateRun(run.run_id));
  }
}
