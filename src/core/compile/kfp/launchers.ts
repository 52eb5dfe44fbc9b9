/**
 * Distributed and served steps in a KFP pipeline (docs/distributed-and-serving.md), as on Argo
 * (argo/launchers.ts): a distributed step's executor runs the launcher (cluster/launcherScript.ts)
 * with the step's arguments (the data folder, the parameters), which its workers get too, and
 * without its resources (the workers get them); a served step gets a task `<id>--serve` after it.
 * A distributed step on KFP has no outputs page: its workers are not the task KFP uploads from.
 */
import type { PipelineStep } from '../../pipeline';
import type { DistributedWorkload, WorkloadVolume } from '../cluster/distributedWorkload';
import {
  CLUSTER_MODELS_DIR,
  jobLaunch,
  LAUNCH_ENV,
  launchEnvValue,
  LAUNCHER_SOURCE,
  serveLaunch,
  serveTaskName,
  type DistributedResource
} from '../cluster/launcherScript';
import type { PodConfig } from '../cluster/podConfig';
import { RUNTIME_ENV } from '../runtime/contract';

type Json = Record<string, unknown>;
type Container = { image: string; args: string[]; env: Array<{ name: string; value: string }> } & Json;

/** Where a served step saves its models on KFP (as on Argo). */
export const KFP_MODELS_ENV = { name: RUNTIME_ENV.modelsDir, value: CLUSTER_MODELS_DIR };

/** The container of a distributed step's executor: the launcher with the step's own arguments after the guard's (from the data folder on). */
export function kfpDistributedContainer(
  container: Container,
  step: PipelineStep,
  config: PodConfig,
  claims: Array<{ claim: string; mountPath: string }>,
  python: string,
  resource: DistributedResource,
  securityContext: DistributedWorkload['securityContext']
): Json {
  const volumes: WorkloadVolume[] = claims.map((c, i) => ({ name: `cellpipe-volume-${i}`, claimName: c.claim, mountPath: c.mountPath }));
  const launch = jobLaunch(
    step,
    {
      config,
      volumes,
      forwardEnv: [RUNTIME_ENV.dataDir, ...container.env.map(e => e.name)],
      labels: { 'cellpipe.dev/step-id': step.id, 'cellpipe.dev/role': 'worker' },
      securityContext,
      python
    },
    resource
  );
  // The guard's own arguments are the script, step and outputs page; the step's start at the data folder.
  const stepArguments = container.args.slice(3);
  return {
    container: {
      image: container.image,
      command: [python, '-c', LAUNCHER_SOURCE],
      args: stepArguments,
      env: [...container.env, { name: LAUNCH_ENV, value: launchEnvValue(launch) }]
    }
  };
}

/** A served step's serve task name and executor: the launcher with the data folder (the task runs after the step). */
export function kfpServe(step: PipelineStep, image: string, python: string, dataDir: string): { name: string; executor: Json } {
  const launch = serveLaunch(step, { 'cellpipe.dev/step-id': step.id });
  return {
    name: serveTaskName(step),
    executor: {
      container: { image, command: [python, '-c', LAUNCHER_SOURCE], args: [dataDir], env: [{ name: LAUNCH_ENV, value: launchEnvValue(launch) }] }
    }
  };
}
