/* eslint-disable @typescript-eslint/no-explicit-any -- the manifests are read and broken field by field as the JSON they are */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { customResourceProblems, structuralSchema } from './customResourceCheck';
import type { DistributedWorkload } from './distributedWorkload';
import { inferenceServiceManifest } from './inferenceService';
import { pyTorchJobManifest } from './pyTorchJob';
import { trainJobManifest } from './trainJob';

const schema = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(__dirname, 'crds', file), 'utf8'));
const SCHEMAS = { TrainJob: schema('trainjob.json'), PyTorchJob: schema('pytorchjob.json'), InferenceService: schema('inferenceservice.json') };

const workload: DistributedWorkload = {
  name: 'train-abc12',
  labels: { 'cellpipe.dev/step-id': 'train' },
  image: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
  command: ['torchrun', '--nproc-per-node=1', '$(CELLPIPE_DATA_DIR)/_cellpipe/steps/train.py'],
  env: [
    { name: 'CELLPIPE_OUTPUTS_LIMIT', value: '65536' },
    { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'keys', key: 'api' } } }
  ],
  volumes: [{ name: 'cellpipe-data', claimName: 'shared-data', mountPath: '/cellpipe/data' }],
  workers: 4,
  limits: { 'nvidia.com/gpu': '1', memory: '4Gi' },
  deadlineSeconds: 3600,
  securityContext: { runAsUser: 1000, runAsGroup: 100 }
};

describe('custom resources a distributed or served step creates', () => {
  it.each([
    ['TrainJob', trainJobManifest(workload)],
    ['PyTorchJob', pyTorchJobManifest(workload)],
    ['InferenceService', inferenceServiceManifest({ name: 'iris-train', labels: {}, storageUri: 'pvc://models/_models/iris-train/run-1' })]
  ] as const)('a compiled %s satisfies its CRD schema and name rules', (kind, manifest) => {
    expect(customResourceProblems(kind, manifest, SCHEMAS[kind])).toEqual([]);
  });

  it('a TrainJob carries the workers, command, variables, volume and deadline where Trainer reads them', () => {
    const job = trainJobManifest(workload) as any;
    expect(job.spec.runtimeRef).toEqual({ name: 'torch-distributed' });
    expect(job.spec.trainer.numNodes).toBe(4);
    expect(job.spec.trainer.command[0]).toBe('torchrun');
    expect(job.spec.activeDeadlineSeconds).toBe(3600);
    const node = job.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0];
    expect(node.name).toBe('node');
    expect(node.template.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'cellpipe-data', mountPath: '/cellpipe/data' }]);
    expect(node.template.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('shared-data');
  });

  it('a PyTorchJob has one Master and N-1 Workers, and no Worker for one node', () => {
    const job = pyTorchJobManifest(workload) as any;
    expect(job.spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(job.spec.pytorchReplicaSpecs.Worker.replicas).toBe(3);
    expect(job.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].name).toBe('pytorch');
    expect((pyTorchJobManifest({ ...workload, workers: 1 }) as any).spec.pytorchReplicaSpecs.Worker).toBeUndefined();
  });

  it('refuses an unknown field with its path, as the API server does with strict field validation', () => {
    const job = trainJobManifest(workload) as any;
    job.spec.trainer.numWorkers = 4;
    expect(customResourceProblems('TrainJob', job, SCHEMAS.TrainJob)).toEqual([
      { kind: 'unknown-field', message: 'unknown field "spec.trainer.numWorkers"' }
    ]);
  });

  it('refuses a wrong type and a missing required field, with their paths', () => {
    const job = trainJobManifest(workload) as any;
    job.spec.trainer.numNodes = '4';
    delete job.spec.runtimeRef;
    expect(customResourceProblems('TrainJob', job, SCHEMAS.TrainJob).map(p => p.message)).toEqual([
      "spec: must have required property 'runtimeRef'",
      'spec.trainer.numNodes: must be integer'
    ]);
    const service = inferenceServiceManifest({ name: 'iris', labels: {}, storageUri: 'x' }) as any;
    service.spec.predictor.model.modelFormat = { version: '1' };
    expect(customResourceProblems('InferenceService', service, SCHEMAS.InferenceService).map(p => p.message)).toEqual([
      "spec.predictor.model.modelFormat: must have required property 'name'"
    ]);
  });

  it.each([
    ['9-train', 'starts with a digit'],
    ['Train', 'has upper case'],
    ['t'.repeat(64), 'is longer than 63']
  ])('refuses the name %s (%s): the CRD CEL rule', name => {
    const job = trainJobManifest({ ...workload, name }) as any;
    expect(customResourceProblems('TrainJob', job, SCHEMAS.TrainJob)).toEqual([
      { kind: 'invalid', message: `metadata.name: ${JSON.stringify(name)} must be a RFC 1035 DNS label, at most 63 characters` }
    ]);
  });

  it('closes every object that lists its properties, except those preserving unknown fields', () => {
    const strict = structuralSchema({
      type: 'object',
      properties: {
        a: { type: 'object', properties: { b: { type: 'string' } } },
        c: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: {} }
      }
    }) as any;
    expect(strict.additionalProperties).toBe(false);
    expect(strict.properties.a.additionalProperties).toBe(false);
    expect(strict.properties.c.additionalProperties).toBeUndefined();
    expect(strict.properties.c['x-kubernetes-preserve-unknown-fields']).toBeUndefined();
  });
});
