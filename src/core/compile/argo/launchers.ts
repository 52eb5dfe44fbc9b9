/**
 * Distributed and served steps in a Workflow (docs/distributed-and-serving.md): a distributed
 * step's template runs the launcher (cluster/launcherScript.ts) instead of its script, with the
 * step pod's environment and volumes but without its resource limits (those go to the workers);
 * a served step gets a task `<id>--serve` after it that applies its InferenceService, waits for it
 * and queries it. The step's result and outputs come from the volume as for any step (rank 0 writes them).
 */
import type { PipelineStep } from '../../pipeline';
import type { WorkloadVolume } from '../cluster/distributedWorkload';
import {
  CLUSTER_MODELS_DIR,
  jobLaunch,
  LAUNCH_ENV,
  launchEnvValue,
  LAUNCHER_SOURCE,
  SERVED_FILE,
  serveLaunch,
  serveTaskName,
  type DistributedResource,
  type JobLaunch
} from '../cluster/launcherScript';
import { DATA_MOUNT_PATH } from '../cluster/options';
import type { PodConfig } from '../cluster/podConfig';
import { RUNTIME_ENV } from '../runtime/contract';
import { ARGO_LABELS } from './labels';
import type { ArgoDagTask, ArgoPodSecurityContext, ArgoTemplate, ArgoVolume } from './types';

/** The output parameter of a serve task: the served model's name, URL, status and answer (JSON). */
export const SERVED_PARAMETER = 'cellpipe-served';

/** The variables a served step's pod gets: where its model goes, and the run's id as the model's version. */
export function servedStepEnv(): Array<{ name: string; value: string }> {
  return [
    { name: RUNTIME_ENV.modelsDir, value: CLUSTER_MODELS_DIR },
    { name: RUNTIME_ENV.runId, value: '{{workflow.name}}' }
  ];
}

function launcherScript(template: ArgoTemplate, launch: string): NonNullable<ArgoTemplate['script']> {
  const { resources: _limits, ...script } = template.script!;
  return { ...script, source: LAUNCHER_SOURCE, env: [...(script.env ?? []), { name: LAUNCH_ENV, value: launch }] };
}

/** A distributed step's template: the launcher of its TrainJob (or PyTorchJob) in place of its pod. */
export function distributedTemplate(
  template: ArgoTemplate,
  step: PipelineStep,
  config: PodConfig,
  volumes: ArgoVolume[],
  securityContext: ArgoPodSecurityContext | null,
  python: string,
  resource: DistributedResource
): ArgoTemplate {
  const script = template.script!;
  const claims = new Map(volumes.map(v => [v.name, v.persistentVolumeClaim.claimName]));
  // A fresh claim's name is Argo's (<workflow>-<volume>): the launcher takes every claim's name from its own pod.
  const workloadVolumes: WorkloadVolume[] = (script.volumeMounts ?? []).map(m => ({
    name: m.name,
    mountPath: m.mountPath,
    claimName: claims.get(m.name) ?? m.name
  }));
  const launch = jobLaunch(
    step,
    {
      config,
      volumes: workloadVolumes,
      forwardEnv: (script.env ?? []).filter(e => e.value !== undefined).map(e => e.name),
      labels: { ...template.metadata?.labels, [ARGO_LABELS.role]: 'worker' },
      securityContext,
      python
    },
    resource
  );
  return { ...template, script: launcherScript(template, launchEnvValue(launch)) };
}

/** A served step's serve template, made from the step's template (same image, variables, volumes), and its task after the step. */
export function serveTemplateAndTask(stepTemplate: ArgoTemplate, step: PipelineStep): { template: ArgoTemplate; task: ArgoDagTask } {
  const name = serveTaskName(step);
  const launch = serveLaunch(step, {
    [ARGO_LABELS.pipeline]: stepTemplate.metadata?.labels?.[ARGO_LABELS.pipeline] ?? 'pipeline',
    [ARGO_LABELS.stepId]: step.id
  });
  const { retryStrategy: _retry, activeDeadlineSeconds: _deadline, ...rest } = stepTemplate;
  const template: ArgoTemplate = {
    ...rest,
    name,
    metadata: { labels: { ...stepTemplate.metadata?.labels, [ARGO_LABELS.role]: 'serve' } },
    script: launcherScript(stepTemplate, launchEnvValue(launch)),
    outputs: {
      parameters: [{ name: SERVED_PARAMETER, valueFrom: { path: `${DATA_MOUNT_PATH}/{{workflow.name}}/${step.id}/${SERVED_FILE}`, default: '' } }]
    }
  };
  return { template, task: { name, template: name, dependencies: [step.id] } };
}

/** Where the workers' command is in the two job manifests (trainJob.ts, pyTorchJob.ts). */
type LaunchedJob =
  | { kind: 'TrainJob'; spec: { trainer: { command: string[] } } }
  | { kind: 'PyTorchJob'; spec: { pytorchReplicaSpecs: { Master: { template: { spec: { containers: Array<{ command: string[] }> } } } } } };

/**
 * The step script (relative to the data folder) a launcher template's workers run, or null when
 * the template runs no launcher: the validator checks the payload holds it, as for a step's pod.
 */
export function workerScriptOf(template: ArgoTemplate): string | null {
  const launch = template.script?.env?.find(e => e.name === LAUNCH_ENV)?.value;
  if (template.script?.source !== LAUNCHER_SOURCE || launch === undefined) {
    return null;
  }
  const manifest = (JSON.parse(launch) as JobLaunch).manifest as unknown as LaunchedJob;
  const command =
    manifest.kind === 'TrainJob' ? manifest.spec.trainer.command : manifest.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].command;
  const prefix = `$(${RUNTIME_ENV.dataDir})/`;
  const script = command[command.length - 1];
  return script.startsWith(prefix) ? script.slice(prefix.length) : null;
}
