/* eslint-disable @typescript-eslint/no-explicit-any -- the objects the fake stored are read field by field as the JSON they are */
/**
 * The launcher of distributed and served steps (src/core/compile/cluster/cellpipe_launcher.py) as
 * a real Python process against the fake API server over HTTP, with the launch documents the Argo
 * compiler writes, through each canned life of its TrainJob, PyTorchJob or InferenceService.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileArgo } from '../../../../src/core/compile/argo';
import { pipelineOf } from '../../../../src/core/compile/cluster/__fixtures__/pipelines';
import { distributedNotebook } from '../../../../src/core/compile/cluster/__fixtures__/distributedNotebook';
import { LAUNCH_ENV, LAUNCHER_SOURCE } from '../../../../src/core/compile/cluster/launcherScript';
import {
  completeJob,
  deadlineExceeded,
  failedJob,
  neverReadyService,
  readyService,
  suspendedThenComplete,
  type Frame
} from './customResourceScenarios';
import { FakeKubernetes } from './fakeKubernetes';
import type { FakeCustomResourcesOptions } from './fakeCustomResources';

const NAMESPACE = 'ml';
const LAUNCHER_POD = 'notebook-x7k2p-train-1234567890';
const LOG = 'epoch 1 loss 0.9\nepoch 2 loss 0.4\nrank 0 of 4 done\n';

/** The launch document the Argo compiler gives a template (the claim it names is not the one the pod mounts: the launcher takes its pod's). */
function compiledLaunch(template: string, settings: Record<string, unknown> = {}): any {
  const { workflow } = compileArgo(pipelineOf(distributedNotebook(settings)), { volume: { existingClaim: 'compile-time-claim' } });
  return JSON.parse(workflow.spec.templates.find(t => t.name === template)!.script!.env!.find(e => e.name === LAUNCH_ENV)!.value!);
}

let folder: string;
let fake: FakeKubernetes;

async function startFake(options: FakeCustomResourcesOptions): Promise<void> {
  fake = new FakeKubernetes({ customResources: options });
  await fake.start();
  fake.customResources.addPod({
    metadata: { name: LAUNCHER_POD, namespace: NAMESPACE, uid: 'launcher-pod-uid' },
    spec: {
      containers: [{ name: 'wait' }, { name: 'main', volumeMounts: [{ name: 'cellpipe-data', mountPath: '/cellpipe/data' }] }],
      volumes: [{ name: 'cellpipe-data', persistentVolumeClaim: { claimName: 'ml-data' } }]
    },
    status: { phase: 'Running' }
  });
}

const script =
  (frames: Frame[]): FakeCustomResourcesOptions['script'] =>
  () =>
    frames;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'cellpipe-launcher-'));
  mkdirSync(join(folder, 'account'));
  writeFileSync(join(folder, 'account', 'token'), 'fake-token\n');
  writeFileSync(join(folder, 'account', 'namespace'), NAMESPACE);
  writeFileSync(join(folder, 'launcher.py'), LAUNCHER_SOURCE);
  mkdirSync(join(folder, 'data', 'fit'), { recursive: true });
});

afterEach(async () => {
  await fake.stop();
  rmSync(folder, { recursive: true, force: true });
});

function launch(document: unknown): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('python3', [join(folder, 'launcher.py')], {
    env: {
      PATH: process.env.PATH,
      HOSTNAME: LAUNCHER_POD,
      [LAUNCH_ENV]: JSON.stringify(document),
      CELLPIPE_KUBERNETES_API: fake.url,
      CELLPIPE_SERVICE_ACCOUNT: join(folder, 'account'),
      CELLPIPE_LAUNCH_POLL_SECONDS: '0.01',
      CELLPIPE_DATA_DIR: join(folder, 'data'),
      CELLPIPE_EVENTS: '_cellpipe/train.events.jsonl'
    }
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', chunk => (stdout += chunk));
  child.stderr.on('data', chunk => (stderr += chunk));
  return new Promise(resolve => child.on('close', code => resolve({ code, stdout, stderr })));
}

const created = (kind: string): any => [...fake.customResources.objects.values()].find(s => s.object.kind === kind)!.object;

describe('the launcher of a distributed step', () => {
  it('creates the TrainJob it owns, with its pod variables and claims, streams rank 0 log, and ends with 0 when it completes', async () => {
    await startFake({ script: script(completeJob('TrainJob', LOG)) });
    const result = await launch(compiledLaunch('train'));
    expect(result).toMatchObject({ code: 0, stdout: LOG });
    expect(result.stderr).toContain('TrainJob completed');
    const job = created('TrainJob');
    expect(job.metadata.name).toMatch(/^train-[0-9a-f]{5}$/);
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Pod', name: LAUNCHER_POD, uid: 'launcher-pod-uid' }]);
    expect(job.spec.trainer.env).toEqual([
      { name: 'CELLPIPE_DATA_DIR', value: join(folder, 'data') },
      { name: 'CELLPIPE_EVENTS', value: '_cellpipe/train.events.jsonl' },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }
    ]);
    const node = job.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template.spec;
    expect(node.volumes).toEqual([{ name: 'cellpipe-data', persistentVolumeClaim: { claimName: 'ml-data' } }]);
    expect(fake.requests.find(r => r.method === 'POST')!.query).toEqual({ fieldValidation: 'Strict' });
  });

  it("fails with the job's reason when it fails", async () => {
    await startFake({ script: script(failedJob('TrainJob', 'Traceback ... ValueError: bad shape\n', 'jobset node-0 failed: 1 of 4 pods failed')) });
    const result = await launch(compiledLaunch('train'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('Traceback ... ValueError: bad shape\n');
    expect(result.stderr).toMatch(/TrainJob train-[0-9a-f]{5} failed \(FailedJobs\): jobset node-0 failed: 1 of 4 pods failed/);
  });

  it('fails when the job runs past its deadline', async () => {
    await startFake({ script: script(deadlineExceeded('epoch 1\n')) });
    const result = await launch(compiledLaunch('train'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed \(DeadlineExceeded\): the job was active longer than its activeDeadlineSeconds/);
  });

  it('waits while the job is suspended, and ends with 0 once it resumed and completed', async () => {
    await startFake({ script: script(suspendedThenComplete('TrainJob', LOG)) });
    const result = await launch(compiledLaunch('train'));
    expect(result).toMatchObject({ code: 0, stdout: LOG });
    expect(result.stderr).toContain('is suspended: waiting until it is resumed');
    expect(result.stderr.indexOf('is resumed')).toBeGreaterThan(result.stderr.indexOf('is suspended'));
  });

  it('runs a PyTorchJob the same way, the Master being rank 0', async () => {
    await startFake({ script: script(completeJob('PyTorchJob', LOG)) });
    const result = await launch(compiledLaunch('train', { distributed: 'pytorchjob' }));
    expect(result).toMatchObject({ code: 0, stdout: LOG });
    const master = created('PyTorchJob').spec.pytorchReplicaSpecs.Master.template.spec;
    expect(master.containers[0].env[0]).toEqual({ name: 'CELLPIPE_DATA_DIR', value: join(folder, 'data') });
    expect(master.volumes[0].persistentVolumeClaim.claimName).toBe('ml-data');
  });

  it("ends with 2 and the API server's message when it refuses the manifest", async () => {
    await startFake({});
    const document = compiledLaunch('train');
    document.manifest.spec.trainer.numWorkers = 4;
    const result = await launch(document);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '400 BadRequest: TrainJob in version "v1alpha1" cannot be handled as a TrainJob: strict decoding error: unknown field "spec.trainer.numWorkers"'
    );
    expect(fake.customResources.objects.size).toBe(0);
  });
});

describe('the launcher of a served model', () => {
  const saved = {
    name: 'notebook-fit',
    version: 'run-1',
    path: '/cellpipe/data/_models/notebook-fit/run-1',
    instances: [
      [5.1, 3.5, 1.4, 0.2],
      [6.7, 3.0, 5.2, 2.3]
    ],
    predictions: [0, 2]
  };
  beforeEach(() => writeFileSync(join(folder, 'data', 'fit', '.serve.json'), JSON.stringify(saved)));

  it('applies the InferenceService on the claim its pod mounts, waits for Ready, and asks the model', async () => {
    await startFake({ script: script(readyService()), predict: (_, rows) => rows.map((_row, i) => saved.predictions[i]) });
    const result = await launch(compiledLaunch('fit--serve'));
    expect(result.code).toBe(0);
    const service = created('InferenceService');
    expect(service.metadata.name).toBe('notebook-fit');
    expect(service.spec.predictor.model).toEqual({
      modelFormat: { name: 'sklearn' },
      protocolVersion: 'v1',
      storageUri: 'pvc://ml-data/_models/notebook-fit/run-1'
    });
    expect(fake.customResources.predictions).toEqual([{ name: 'notebook-fit', instances: saved.instances }]);
    expect(JSON.parse(readFileSync(join(folder, 'data', 'fit', '.served.json'), 'utf8'))).toEqual({
      name: 'notebook-fit',
      url: `http://notebook-fit.${NAMESPACE}.example.com`,
      status: 'Ready',
      prediction: [0, 2]
    });
  });

  it('replaces a model served under the same name', async () => {
    await startFake({ script: script(readyService()), predict: () => saved.predictions });
    expect((await launch(compiledLaunch('fit--serve'))).code).toBe(0);
    writeFileSync(join(folder, 'data', 'fit', '.serve.json'), JSON.stringify({ ...saved, path: '/cellpipe/data/_models/notebook-fit/run-2' }));
    const second = await launch(compiledLaunch('fit--serve'));
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('replaced InferenceService notebook-fit');
    expect(created('InferenceService').spec.predictor.model.storageUri).toBe('pvc://ml-data/_models/notebook-fit/run-2');
  });

  it('fails with the conditions when the service is not Ready by its deadline', async () => {
    await startFake({ script: script(neverReadyService()) });
    const document = compiledLaunch('fit--serve');
    document.serve.deadlineSeconds = 0;
    const result = await launch(document);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('InferenceService notebook-fit is not Ready after 0s');
    expect(result.stderr).toContain('PredictorReady: Revision "iris-predictor-00001" failed with message: model not found');
    expect(fake.customResources.predictions).toEqual([]);
  });

  it("fails when the served model answers other than the notebook's model.predict", async () => {
    await startFake({ script: script(readyService()), predict: () => [1, 1] });
    const result = await launch(compiledLaunch('fit--serve'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the served model answered [1, 1] where the notebook's model.predict says [0, 2]");
  });
});
