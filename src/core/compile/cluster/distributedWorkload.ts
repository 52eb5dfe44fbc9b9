/**
 * What a distributed step's workers are (docs/distributed-and-serving.md), whichever resource runs
 * them (trainJob.ts, pyTorchJob.ts): N node pods of the step's image, each running the step's
 * script from the run's volume, with the step's limits, secrets and the run's volumes. The launcher
 * (launcherScript.ts) completes it from its own pod when it creates the resource: the variables it
 * forwards (the run's data folder, parameters...), the claims its pod mounts, a name unique per run.
 */
import type { DistributedStep, PipelineStep } from '../../pipeline';
import { RUNTIME_ENV } from '../runtime/contract';
import { stepScriptPath } from './stepPayload';

export interface WorkloadEnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } };
}

/** A claim mounted in every node pod; the launcher takes the claim its own pod mounts at `mountPath`. */
export interface WorkloadVolume {
  name: string;
  claimName: string;
  mountPath: string;
}

export interface DistributedWorkload {
  /** The resource's name before the launcher's suffix (`-` and 5 characters): a DNS-1035 label of at most MAX_WORKLOAD_NAME. */
  name: string;
  labels: Record<string, string>;
  image: string;
  command: string[];
  env: WorkloadEnvVar[];
  volumes: WorkloadVolume[];
  workers: number;
  limits: Record<string, string>;
  /** The step's timeout: the whole job's deadline. */
  deadlineSeconds: number | null;
  securityContext: { runAsUser: number; runAsGroup: number; fsGroup?: number; runAsNonRoot?: boolean } | null;
}

/** How to find rank 0's pod of a job: its labels, with the job's name (known once the launcher named it) under `jobNameLabel`. */
export interface RankZeroPod {
  jobNameLabel: string;
  labels: Record<string, string>;
  container: string;
}

/** What every node pod of a workload has: its claims as volumes, whom it runs as. */
export function workloadPodSpec(workload: DistributedWorkload): Record<string, unknown> {
  return {
    volumes: workload.volumes.map(v => ({ name: v.name, persistentVolumeClaim: { claimName: v.claimName } })),
    ...(workload.securityContext ? { securityContext: { ...workload.securityContext } } : {})
  };
}

/** The claims mounted in a node pod's container. */
export function workloadMounts(workload: DistributedWorkload): Array<{ name: string; mountPath: string }> {
  return workload.volumes.map(v => ({ name: v.name, mountPath: v.mountPath }));
}

/** The longest name a workload gets from the compiler: 63 less the launcher's `-xxxxx`. */
export const MAX_WORKLOAD_NAME = 57;

/** The workload's name for a step: its id as a DNS-1035 label (a step id may start with a digit). */
export function workloadName(step: PipelineStep): string {
  const name = /^[a-z]/.test(step.id) ? step.id : `s-${step.id}`;
  return name.slice(0, MAX_WORKLOAD_NAME).replace(/-+$/, '');
}

/**
 * What each node runs: the step's script from the run's data folder, through torchrun for torch
 * (it reads Trainer's PET_* variables: nodes, node rank, master) or as one Python process per node.
 * `$(VAR)` is the kubelet's expansion of the container's own variable, which the launcher forwards.
 */
export function workerCommand(stepId: string, distributed: DistributedStep, python: string): string[] {
  const script = `$(${RUNTIME_ENV.dataDir})/${stepScriptPath(stepId)}`;
  return distributed.framework === 'torch' ? ['torchrun', '--nproc-per-node=1', script] : [python, script];
}
