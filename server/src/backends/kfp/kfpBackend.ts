import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import type { RunEvent, RunState } from '../../../../src/core/run/types';
import { recordRemoteRun, remoteRunHandle, type RemoteRunInput } from '../kubernetes/remoteRun';
import type { RunHandle } from '../local/localBackend';
import { dnsLabel } from '../../../../src/core/pipeline';
import type { RunStore } from '../local/runStore';
import { KfpClient, type KfpAuth, type KfpRun } from './kfpClient';
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
}

/** The token and cookie from flags, else from KFP_TOKEN and KFP_COOKIE. */
export function kfpAuth(flags: { kfpToken?: string; kfpCookie?: string } = {}): KfpAuth {
  return { token: flags.kfpToken ?? process.env.KFP_TOKEN ?? undefined, cookie: flags.kfpCookie ?? process.env.KFP_COOKIE ?? undefined };
}

export function applyKfpRun(state: RunState, run: KfpRun): RunState {
  const { status, message } = kfpRunStatus(run);
  return { ...state, status, message, startedAt: run.scheduled_at || state.startedAt, finishedAt: kfpRunFinished(run) ? run.finished_at : undefined, steps: kfpStepStates(run, state.steps) };
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
export class KfpBackend {
  private readonly client: KfpClient;

  constructor(private readonly options: KfpBackendOptions) {
    this.client = new KfpClient(options.host, options.auth ?? {});
  }

  async start(input: KfpRunInput): Promise<RunHandle> {
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
    let state = recordRemoteRun(store, runId, input, { backend: 'kfp', kfp: { host: this.client.host, runId: run.run_id, pipelineId: pipeline.pipeline_id } });
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
