/**
 * A distributed step as a Kubeflow Training Operator v1 PyTorchJob (kubeflow.org/v1), for clusters
 * without Trainer v2 (the notebook setting `distributed: pytorchjob`): one Master (rank 0) and N-1
 * Workers, each pod the step's image running its script with the run's volumes. The operator sets
 * MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK (and PET_* for torchrun); its container must be
 * named `pytorch`.
 */
import { workloadMounts, workloadPodSpec, type DistributedWorkload, type RankZeroPod } from './distributedWorkload';

export const PYTORCH_JOB_API_VERSION = 'kubeflow.org/v1';
const CONTAINER = 'pytorch';

/** The Master's pod (rank 0): where the launcher reads the step's log. */
export const PYTORCH_JOB_RANK_ZERO: RankZeroPod = {
  jobNameLabel: 'training.kubeflow.org/job-name',
  labels: { 'training.kubeflow.org/replica-type': 'master', 'training.kubeflow.org/replica-index': '0' },
  container: CONTAINER
};

export function pyTorchJobManifest(workload: DistributedWorkload): Record<string, unknown> {
  const replica = (replicas: number): Record<string, unknown> => ({
    replicas,
    restartPolicy: 'Never',
    template: {
      metadata: { labels: { ...workload.labels } },
      spec: {
        containers: [
          {
            name: CONTAINER,
            image: workload.image,
            command: [...workload.command],
            env: workload.env.map(e => ({ ...e })),
            volumeMounts: workloadMounts(workload),
            ...(Object.keys(workload.limits).length ? { resources: { limits: { ...workload.limits } } } : {})
          }
        ],
        ...workloadPodSpec(workload)
      }
    }
  });
  return {
    apiVersion: PYTORCH_JOB_API_VERSION,
    kind: 'PyTorchJob',
    metadata: { name: workload.name, labels: { ...workload.labels } },
    spec: {
      runPolicy: { cleanPodPolicy: 'None', ...(workload.deadlineSeconds ? { activeDeadlineSeconds: workload.deadlineSeconds } : {}) },
      pytorchReplicaSpecs: {
        Master: replica(1),
        ...(workload.workers > 1 ? { Worker: replica(workload.workers - 1) } : {})
      }
    }
  };
}
