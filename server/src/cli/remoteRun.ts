import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { compileArgoWorkflow } from '../../../src/core/compile/argo';
import { compileKfpPipeline } from '../../../src/core/compile/kfp';
import type { Pipeline } from '../../../src/core/pipeline';
import type { JsonValue, RunEvent, RunState } from '../../../src/core/run/types';
import type { RunHandle } from '../backends/local/localBackend';
import { cancelKfpRun, KfpBackend, kfpAuth, refreshKfpRun } from '../backends/kfp/kfpBackend';
import type { KfpAuth } from '../backends/kfp/kfpClient';
import { cancelKubernetesRun, KubernetesBackend, kubernetesStepLog, refreshKubernetesRun } from '../backends/kubernetes/kubernetesBackend';
import { RunStore } from '../backends/local/runStore';
import { finishRun } from './localRun';
import { CliError } from './notebookFile';
import { progressPrinter } from './runOutput';

/** `cellpipe run --backend kubernetes|kfp`: the flags, the run, and status/logs/cancel of such runs. */

export const REMOTE_BACKENDS = ['kubernetes', 'kfp'] as const;
export type RemoteBackend = (typeof REMOTE_BACKENDS)[number];

export interface RemoteRunFlags {
  namespace?: string;
  image?: string;
  kfpHost?: string;
  kfpToken?: string;
  kfpCookie?: string;
  json?: boolean;
  verbose?: boolean;
}

export function isRemoteBackend(name: string): name is RemoteBackend {
  return (REMOTE_BACKENDS as readonly string[]).includes(name);
}

export function withRemoteRunFlags(command: Command): Command {
  return command
    .option('--namespace <ns>', 'kubernetes: namespace of the Workflow (default: the kubeconfig context\'s)')
    .option('--image <ref>', 'kubernetes, kfp: image of steps without an image: tag or notebook image')
    .option('--kfp-host <url>', 'kfp: URL of the Kubeflow Pipelines API (or $KFP_HOST)')
    .option('--kfp-token <token>', 'kfp: bearer token (or $KFP_TOKEN)')
    .option('--kfp-cookie <cookie>', 'kfp: session cookie, e.g. authservice_session=... (or $KFP_COOKIE)');
}

/** The pipeline with this run's parameter values as its defaults, so the compiled file carries them. */
function withRunValues(pipeline: Pipeline, values: Record<string, JsonValue>): Pipeline {
  return { ...pipeline, parameters: pipeline.parameters.map(p => (p.name in values ? { ...p, default: values[p.name] } : p)) };
}

export interface RemoteStartOptions {
  store: RunStore;
  namespace?: string;
  image?: string;
  kfpHost?: string;
  kfpAuth?: KfpAuth;
  onEvent?: (event: RunEvent) => void;
}

/** Compiles the pipeline for a cluster backend and starts it there; the CLI and the service share it. */
export async function startRemoteRun(
  backend: RemoteBackend,
  pipeline: Pipeline,
  parameters: Record<string, JsonValue>,
  options: RemoteStartOptions
): Promise<RunHandle> {
  const { store, onEvent } = options;
  const run = {
    pipelineName: pipeline.name,
    notebookPath: pipeline.notebookPath ?? undefined,
    parameters,
    steps: pipeline.steps.map(s => ({ id: s.id, name: s.name, dependsOn: s.dependsOn }))
  };
  const compileOptions = options.image ? { image: options.image } : {};
  if (backend === 'kubernetes') {
    const workflow = compileArgoWorkflow(withRunValues(pipeline, parameters), compileOptions);
    return new KubernetesBackend({ store, namespace: options.namespace, onEvent }).start({ ...run, workflow });
  }
  const host = options.kfpHost || process.env.KFP_HOST;
  if (!host) {
    throw new CliError('--backend kfp needs --kfp-host URL (or KFP_HOST): the address of the Kubeflow Pipelines API', 2);
  }
  const { pipelineSpec, platformSpec } = compileKfpPipeline(withRunValues(pipeline, parameters), compileOptions);
  // CELLPIPE_KFP_POLL_MS: how often the run is read (default 2000 ms).
  const pollMs = Number(process.env.CELLPIPE_KFP_POLL_MS) || undefined;
  return new KfpBackend({ store, host, auth: options.kfpAuth ?? kfpAuth({}), onEvent, pollMs }).start({ ...run, pipelineSpec, platformSpec });
}

export async function runRemote(backend: RemoteBackend, pipeline: Pipeline, parameters: Record<string, JsonValue>, flags: RemoteRunFlags): Promise<void> {
  const handle = await startRemoteRun(backend, pipeline, parameters, {
    store: new RunStore(),
    namespace: flags.namespace,
    image: flags.image,
    kfpHost: flags.kfpHost,
    kfpAuth: kfpAuth(flags),
    onEvent: progressPrinter(line => process.stderr.write(line + '\n'), !!flags.verbose)
  });
  await finishRun(handle, flags);
}

const UNFINISHED = new Set(['Pending', 'Running']);

/** The state of a run; a remote run still going is asked for again (and saved). */
export async function currentState(store: RunStore, state: RunState): Promise<RunState> {
  if (!UNFINISHED.has(state.status)) {
    return state;
  }
  if (state.backend === 'kubernetes') {
    return refreshKubernetesRun(store, state);
  }
  return state.backend === 'kfp' ? refreshKfpRun(store, state) : state;
}

/** What a step of a remote run printed; undefined for a local run. */
export async function remoteStepLog(store: RunStore, state: RunState, stepId: string): Promise<string | undefined> {
  if (state.backend === 'kubernetes') {
    try {
      return await kubernetesStepLog(state, stepId);
    } catch (error) {
      const saved = store.logPath(state.runId, stepId);
      if (existsSync(saved)) {
        return readFileSync(saved, 'utf8'); // the pods are gone or the cluster is out of reach
      }
      throw error;
    }
  }
  if (state.backend === 'kfp') {
    throw new CliError(
      `the Kubeflow Pipelines API does not serve step logs: open run ${state.kfp?.runId} in the KFP UI (${state.kfp?.host}/#/runs/details/${state.kfp?.runId})`,
      1
    );
  }
  return undefined;
}

/** Asks the cluster to stop a remote run; false for a local run. */
export async function cancelRemote(state: RunState): Promise<boolean> {
  if (state.backend === 'kubernetes') {
    await cancelKubernetesRun(state);
  } else if (state.backend === 'kfp') {
    await cancelKfpRun(state);
  } else {
    return false;
  }
  process.stdout.write(`cancel requested for run ${state.runId} (${state.backend})\n`);
  return true;
}
