/* eslint-disable @typescript-eslint/no-explicit-any -- the KFP documents are read field by field as the JSON they are */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileKfp } from '.';
import { pipelineOf } from '../cluster/__fixtures__/pipelines';
import { distributedNotebook } from '../cluster/__fixtures__/distributedNotebook';
import { customResourceProblems } from '../cluster/customResourceCheck';
import { LAUNCH_ENV, LAUNCHER_SOURCE } from '../cluster/launcherScript';

const schema = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(__dirname, '..', 'cluster', 'crds', file), 'utf8'));

describe('KFP: a distributed step and a served one', () => {
  const { pipelineSpec, platformSpec, diagnostics } = compileKfp(pipelineOf(distributedNotebook()), { volume: { existingClaim: 'ml-data' } });
  const executors = (pipelineSpec as any).deploymentSpec.executors;
  const launchOf = (executor: string): any =>
    JSON.parse(executors[executor].container.env.find((e: { name: string }) => e.name === LAUNCH_ENV).value);

  it("runs the launcher in place of the distributed step, with the step's arguments from the data folder on", () => {
    expect(diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    const container = executors['exec-train'].container;
    expect(container.command).toEqual(['python3', '-c', LAUNCHER_SOURCE]);
    expect(container.args).toEqual(['/cellpipe/data/{{$.pipeline_job_uuid}}']);
    expect(container.resources).toBeUndefined();
    const launch = launchOf('exec-train');
    expect(customResourceProblems('TrainJob', launch.manifest, schema('trainjob.json'))).toEqual([]);
    expect(launch.forwardEnv[0]).toBe('CELLPIPE_DATA_DIR');
    expect(launch.manifest.spec.trainer.resourcesPerNode).toEqual({ limits: { 'nvidia.com/gpu': '1' } });
    // No outputs page: KFP would fail the task for the artifact its launcher never wrote.
    expect((pipelineSpec as any).components['comp-train'].outputDefinitions).toBeUndefined();
  });

  it('serves the model in a task after its step, with the volume mounted', () => {
    const task = (pipelineSpec as any).root.dag.tasks['fit--serve'];
    expect(task.dependentTasks).toEqual(['fit']);
    expect(customResourceProblems('InferenceService', launchOf('exec-fit--serve').manifest, schema('inferenceservice.json'))).toEqual([]);
    expect((platformSpec as any).platforms.kubernetes.deploymentSpec.executors['exec-fit--serve'].pvcMount[0]).toEqual({
      mountPath: '/cellpipe/data',
      constant: 'ml-data'
    });
    expect(executors['exec-fit'].container.env).toContainEqual({ name: 'CELLPIPE_MODELS_DIR', value: '/cellpipe/data/_models' });
  });
});
