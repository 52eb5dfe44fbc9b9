/**
 * A distributed step as a Kubeflow Trainer v2 TrainJob (trainer.kubeflow.org/v1alpha1) on the
 * `torch-distributed` ClusterTrainingRuntime: `trainer` sets the image, command, variables, node
 * count and resources; a runtime patch mounts the run's volumes into the runtime's `node` container
 * (the runtime's replicated job and container are both named `node`:
 * ../shared/reference/kubeflow/runtime-torch-distributed.yaml).
 */
import { workloadMounts, workloadPodSpec, type DistributedWorkload, type RankZeroPod } from './distributedWorkload';

export const TRAIN_JOB_API_VERSION = 'trainer.kubeflow.org/v1alpha1';
export const TRAIN_JOB_RUNTIME = 'torch-distributed';
/** The runtime's replicated job and its container. */
const NODE = 'node';
/** Who wrote the runtime patch (runtimePatches[].manager). */
export const RUNTIME_PATCH_MANAGER = 'cellpipe.dev/compiler';

/** Rank 0's pod (JobSet's labels on the node job's first index): where the launcher reads the step's log. */
export const TRAIN_JOB_RANK_ZERO: RankZeroPod = {
  jobNameLabel: 'jobset.sigs.k8s.io/jobset-name',
  labels: { 'jobset.sigs.k8s.io/replicatedjob-name': NODE, 'jobset.sigs.k8s.io/job-index': '0', 'batch.kubernetes.io/job-completion-index': '0' },
  container: NODE
};

export function trainJobManifest(workload: DistributedWorkload): Record<string, unknown> {
  const podSpec: Record<string, unknown> = {
    ...workloadPodSpec(workload),
    containers: [{ name: NODE, volumeMounts: workloadMounts(workload) }]
  };
  return {
    apiVersion: TRAIN_JOB_API_VERSION,
    kind: 'TrainJob',
    metadata: { name: workload.name, labels: { ...workload.labels } },
    spec: {
      runtimeRef: { name: TRAIN_JOB_RUNTIME },
      ...(workload.deadlineSeconds ? { activeDeadlineSeconds: workload.deadlineSeconds } : {}),
      trainer: {
        image: workload.image,
        command: [...workload.command],
        env: workload.env.map(e => ({ ...e })),
        numNodes: workload.workers,
        ...(Object.keys(workload.limits).length ? { resourcesPerNode: { limits: { ...workload.limits } } } : {})
      },
      runtimePatches: [
        {
          manager: RUNTIME_PATCH_MANAGER,
          trainingRuntimeSpec: { template: { spec: { replicatedJobs: [{ name: NODE, template: { spec: { template: { spec: podSpec } } } }] } } }
        }
      ]
    }
  };
}
