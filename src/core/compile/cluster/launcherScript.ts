/**
 * The launcher tasks of distributed and served steps (cellpipe_launcher.py, docs/distributed-and-serving.md):
 * what Argo and KFP run in place of a distributed step's pod, and after a served step. The task runs
 * the launcher's source with the step pod's environment plus CELLPIPE_LAUNCH, the launch document
 * built here: the manifest (trainJob.ts, pyTorchJob.ts, inferenceService.ts), where rank 0's log
 * is, which of the pod's variables the workers get.
 */
import type { Pipeline, PipelineStep } from '../../pipeline';
import { SERVE_FILE } from '../runtime/contract';
import {
  workerCommand,
  workloadName,
  type DistributedWorkload,
  type RankZeroPod,
  type WorkloadEnvVar,
  type WorkloadVolume
} from './distributedWorkload';
import { inferenceServiceManifest } from './inferenceService';
import { DATA_MOUNT_PATH } from './options';
import { safeJson } from './parameters';
import type { PodConfig } from './podConfig';
import { PYTORCH_JOB_RANK_ZERO, pyTorchJobManifest } from './pyTorchJob';
import { TRAIN_JOB_RANK_ZERO, trainJobManifest } from './trainJob';
import launcherSource from './cellpipe_launcher.py';

export const LAUNCHER_SOURCE: string = launcherSource;
/** The launcher's variable holding its launch document (JSON). */
export const LAUNCH_ENV = 'CELLPIPE_LAUNCH';
/** Where a serve task writes the served model's name, URL, status and answer, in the step's data folder. */
export const SERVED_FILE = '.served.json';
/** Where a served step saves its models on a cluster: the claim's root, outside the run's folder, so they outlive the run. */
export const CLUSTER_MODELS_DIR = `${DATA_MOUNT_PATH}/_models`;
/** How long a serve task waits for its InferenceService to be Ready. */
export const SERVE_DEADLINE_SECONDS = 600;

/** Which resource runs a distributed step: Trainer v2's TrainJob, or Training Operator v1's PyTorchJob (the notebook's `distributed` setting). */
export type DistributedResource = 'trainjob' | 'pytorchjob';

export interface JobLaunch {
  manifest: Record<string, unknown>;
  rankZero: RankZeroPod;
  /** Variables of the launcher's pod the workers get as they are (data folder, parameters, ...). */
  forwardEnv: string[];
}

export interface ServeLaunch {
  manifest: Record<string, unknown>;
  serve: { file: string; outputs: string; deadlineSeconds: number };
}

export interface LaunchPod {
  config: PodConfig;
  /** The claims the step pod mounts (the data volume first): the launcher takes their names from its own pod. */
  volumes: WorkloadVolume[];
  /** The names of the step pod's plain variables, which the workers get from the launcher. */
  forwardEnv: string[];
  labels: Record<string, string>;
  securityContext: DistributedWorkload['securityContext'];
  python: string;
}

/** The launch document of a distributed step: its workers as a TrainJob or a PyTorchJob. */
export function jobLaunch(step: PipelineStep, pod: LaunchPod, resource: DistributedResource): JobLaunch {
  const distributed = step.distributed!;
  const secrets: WorkloadEnvVar[] = pod.config.secrets.map(s => ({ name: s.env, valueFrom: { secretKeyRef: { name: s.name, key: s.key } } }));
  const workload: DistributedWorkload = {
    name: workloadName(step),
    labels: { ...pod.config.labels, ...pod.labels },
    image: pod.config.image,
    command: workerCommand(step.id, distributed, pod.python),
    env: secrets,
    volumes: pod.volumes,
    workers: distributed.workers,
    limits: pod.config.limits,
    deadlineSeconds: pod.config.timeoutSeconds,
    securityContext: pod.securityContext
  };
  return resource === 'pytorchjob'
    ? { manifest: pyTorchJobManifest(workload), rankZero: PYTORCH_JOB_RANK_ZERO, forwardEnv: pod.forwardEnv }
    : { manifest: trainJobManifest(workload), rankZero: TRAIN_JOB_RANK_ZERO, forwardEnv: pod.forwardEnv };
}

/** The launch document of a served step: its InferenceService (storageUri set by the launcher), where the step left the model. */
export function serveLaunch(step: PipelineStep, labels: Record<string, string>): ServeLaunch {
  const name = step.serve!.name;
  return {
    manifest: inferenceServiceManifest({ name, labels, storageUri: `pvc://cellpipe-models/${name}` }),
    serve: { file: `${step.id}/${SERVE_FILE}`, outputs: `${step.id}/${SERVED_FILE}`, deadlineSeconds: SERVE_DEADLINE_SECONDS }
  };
}

/** CELLPIPE_LAUNCH's value: JSON with no `{{` for Argo and no `$(` for the kubelet to expand (the workers' command has one). */
export function launchEnvValue(launch: JobLaunch | ServeLaunch): string {
  return safeJson(launch);
}

/** The serve task of a step: after it, named with '--' (never a step id). */
export function serveTaskName(step: Pick<PipelineStep, 'id'>): string {
  return `${step.id}--serve`;
}

/** The distributed steps and served steps of a pipeline. */
export function launchedSteps(pipeline: Pipeline): { distributed: PipelineStep[]; served: PipelineStep[] } {
  return { distributed: pipeline.steps.filter(s => s.distributed), served: pipeline.steps.filter(s => s.serve) };
}
