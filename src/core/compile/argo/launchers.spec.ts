/* eslint-disable @typescript-eslint/no-explicit-any -- the launch documents are read field by field as the JSON they are */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { argoYaml, compileArgo, ARGO_ENTRYPOINT } from '.';
import { pipelineOf } from '../cluster/__fixtures__/pipelines';
import { distributedNotebook } from '../cluster/__fixtures__/distributedNotebook';
import { customResourceProblems } from '../cluster/customResourceCheck';
import { LAUNCH_ENV, LAUNCHER_SOURCE } from '../cluster/launcherScript';
import { validateArgoWorkflow } from './validate';
import type { ArgoTemplate, ArgoWorkflow } from './types';

const schema = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(__dirname, '..', 'cluster', 'crds', file), 'utf8'));
const launchOf = (template: ArgoTemplate): any => JSON.parse(template.script!.env!.find(e => e.name === LAUNCH_ENV)!.value!);
const templateOf = (workflow: ArgoWorkflow, name: string): ArgoTemplate => workflow.spec.templates.find(t => t.name === name)!;

describe('Argo: a distributed step and a served one', () => {
  const { workflow, diagnostics } = compileArgo(pipelineOf(distributedNotebook()), { volume: { existingClaim: 'ml-data' } });

  it('compiles to a Workflow that passes the validator and parses back from YAML', () => {
    expect(diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    expect(parse(argoYaml(workflow))).toEqual(workflow);
    expect(validateArgoWorkflow(parse(argoYaml(workflow)))).toEqual([]);
  });

  it('refuses a launcher whose workers run a script the payload does not hold', () => {
    const broken = structuredClone(workflow);
    const env = templateOf(broken, 'train').script!.env!.find(e => e.name === LAUNCH_ENV)!;
    env.value = env.value!.replace('steps/train.py', 'steps/other.py');
    expect(validateArgoWorkflow(broken)).toEqual(['template train: the step payload has no script of this step at _cellpipe/steps/other.py']);
  });

  it('runs the launcher in place of the distributed step: its TrainJob valid, the GPU on the workers, the secret by reference', () => {
    const train = templateOf(workflow, 'train');
    expect(train.script!.source).toBe(LAUNCHER_SOURCE);
    expect(train.script!.resources).toBeUndefined();
    const launch = launchOf(train);
    expect(customResourceProblems('TrainJob', launch.manifest, schema('trainjob.json'))).toEqual([]);
    expect(launch.manifest.spec.trainer.numNodes).toBe(4);
    expect(launch.manifest.spec.trainer.resourcesPerNode).toEqual({ limits: { 'nvidia.com/gpu': '1' } });
    expect(launch.manifest.spec.trainer.env).toEqual([{ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }]);
    expect(launch.manifest.spec.trainer.command).toEqual(['python3', '$(CELLPIPE_DATA_DIR)/_cellpipe/steps/train.py']);
    expect(launch.manifest.spec.activeDeadlineSeconds).toBe(3600);
    expect(launch.forwardEnv).toEqual(expect.arrayContaining(['CELLPIPE_DATA_DIR', 'CELLPIPE_EVENTS']));
    expect(launch.forwardEnv).not.toContain('API_TOKEN');
    const patch = launch.manifest.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(patch.volumes).toEqual([{ name: 'cellpipe-data', persistentVolumeClaim: { claimName: 'ml-data' } }]);
    // The kubelet would expand `$(...)` in the launcher's own variable: the document carries it escaped.
    expect(train.script!.env!.find(e => e.name === LAUNCH_ENV)!.value).not.toContain('$(');
  });

  it('serves the model after its step with an InferenceService, and saves the model below the claim root', () => {
    const dag = templateOf(workflow, ARGO_ENTRYPOINT).dag!.tasks;
    expect(dag.find(t => t.name === 'fit--serve')).toEqual({ name: 'fit--serve', template: 'fit--serve', dependencies: ['fit'] });
    const serve = templateOf(workflow, 'fit--serve');
    const launch = launchOf(serve);
    expect(customResourceProblems('InferenceService', launch.manifest, schema('inferenceservice.json'))).toEqual([]);
    expect(launch.serve).toEqual({ file: 'fit/.serve.json', outputs: 'fit/.served.json', deadlineSeconds: 600 });
    expect(serve.outputs!.parameters![0].valueFrom.path).toBe('/cellpipe/data/{{workflow.name}}/fit/.served.json');
    expect(templateOf(workflow, 'fit').script!.env).toEqual(
      expect.arrayContaining([
        { name: 'CELLPIPE_MODELS_DIR', value: '/cellpipe/data/_models' },
        { name: 'CELLPIPE_RUN_ID', value: '{{workflow.name}}' }
      ])
    );
  });

  it('makes a PyTorchJob when the notebook says distributed: pytorchjob', () => {
    const { workflow: wf } = compileArgo(pipelineOf(distributedNotebook({ distributed: 'pytorchjob' })), { volume: { existingClaim: 'ml-data' } });
    const launch = launchOf(templateOf(wf, 'train'));
    expect(customResourceProblems('PyTorchJob', launch.manifest, schema('pytorchjob.json'))).toEqual([]);
    expect(launch.rankZero).toEqual({
      jobNameLabel: 'training.kubeflow.org/job-name',
      labels: { 'training.kubeflow.org/replica-type': 'master', 'training.kubeflow.org/replica-index': '0' },
      container: 'pytorch'
    });
    expect(compileArgo(pipelineOf(distributedNotebook({ distributed: 'mpijob' }))).diagnostics.map(d => d.message)).toContain(
      'the notebook\'s cellpipe setting distributed: "mpijob" is not one of trainjob, pytorchjob'
    );
  });

  it('warns of a ReadWriteOnce volume under 4 workers, refuses ReadWriteOncePod, and warns of serving from a claim the run deletes', () => {
    const codes = (accessMode: string): string[] =>
      compileArgo(pipelineOf(distributedNotebook({ volume: { accessMode } }))).diagnostics.map(d => `${d.severity} ${d.code}`);
    expect(codes('ReadWriteOnce')).toEqual(expect.arrayContaining(['warning distributed-read-write-once', 'warning serve-on-run-claim']));
    expect(codes('ReadWriteOncePod')).toContain('error distributed-volume');
    expect(codes('ReadWriteMany')).not.toContain('warning distributed-read-write-once');
    // The notebook's own existing claim keeps the models: no warning, and the Workflow mounts that claim.
    const onClaim = compileArgo(pipelineOf(distributedNotebook({ volume: { claim: 'ml-models' } })));
    expect(onClaim.diagnostics.map(d => d.code)).not.toContain('serve-on-run-claim');
    expect(onClaim.workflow.spec.volumes).toContainEqual({ name: 'cellpipe-data', persistentVolumeClaim: { claimName: 'ml-models' } });
    const oneWorker = compileArgo(pipelineOf(distributedNotebook({ volume: { accessMode: 'ReadWriteOnce' } }, 'workers:1'))).diagnostics;
    expect(oneWorker.map(d => d.code)).not.toContain('distributed-read-write-once');
  });
});
