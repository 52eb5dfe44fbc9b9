import { KubeConfig } from '@kubernetes/client-node';
import { stepOutputs } from '../../../../src/core/compile/argo';
import type { RunState } from '../../../../src/core/run/types';
import type { ArgoWorkflow } from '../kubernetes/argoWorkflow';
import type { RemoteStep } from '../remoteRun';
import type { RunStore } from '../runStore';
import type { FakeKubernetes } from './fakeKubernetes';

/** A hand-written compiled Workflow: load -> train -> report, task and template names = step ids. */
export function demoWorkflow(): ArgoWorkflow {
  // As argo/compile.ts makes them: a script, and the runtime's result document as an output parameter.
  const script = (name: string): object => ({
    name,
    script: { image: 'python:3.12-slim', command: ['python3'], source: `print(${JSON.stringify(name)})` },
    outputs: stepOutputs(name)
  });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'demo-', labels: { 'cellpipe.io/pipeline': 'demo' } },
    spec: {
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          dag: {
            tasks: [
              { name: 'load', template: 'load' },
              { name: 'train', template: 'train', dependencies: ['load'] },
              { name: 'report', template: 'report', dependencies: ['train'] }
            ]
          }
        },
        script('load'),
        script('train'),
        script('report')
      ]
    }
  };
}

export const demoSteps: RemoteStep[] = [
  { id: 'load', name: 'Load data', dependsOn: [] },
  { id: 'train', name: 'train', dependsOn: ['load'] },
  { id: 'report', name: 'report', dependsOn: ['train'] }
];

export function kubeConfigFrom(yamlText: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yamlText);
  return kc;
}

/** A hand-written compiled KFP pipeline with the same three steps (task names = step ids). */
export function demoKfpPipeline(): { pipelineSpec: object; platformSpec: object } {
  const tasks = Object.fromEntries(
    demoSteps.map(s => [s.id, { taskInfo: { name: s.id }, componentRef: { name: `comp-${s.id}` }, dependentTasks: s.dependsOn }])
  );
  return {
    pipelineSpec: {
      pipelineInfo: { name: 'demo' },
      schemaVersion: '2.1.0',
      sdkVersion: 'cellpipe-0.1.0',
      root: { dag: { tasks }, inputDefinitions: { parameters: { rate: { parameterType: 'NUMBER_DOUBLE' } } } },
      components: {},
      deploymentSpec: { executors: {} }
    },
    platformSpec: { platforms: { kubernetes: { deploymentSpec: { executors: {} } } } }
  };
}

/**
 * A run of the demo Workflow that this process did not start: recorded in `store` as a run would
 * be (run id and Workflow name `demo-1`, in `default`), and its Workflow created on the fake.
 */
export async function storedDemoRun(fake: FakeKubernetes, store: RunStore): Promise<RunState> {
  const state: RunState = {
    runId: 'demo-1',
    backend: 'kubernetes',
    pipelineName: 'demo',
    status: 'Pending',
    createdAt: '2026-01-01T00:00:00Z',
    parameters: {},
    metrics: {},
    steps: demoSteps.map(s => ({ ...s, status: 'Pending', cached: false, attempts: 0 })),
    kubernetes: { namespace: 'default', workflowName: 'demo-1' }
  };
  store.add(state);
  const workflow = demoWorkflow();
  workflow.metadata = { name: 'demo-1' };
  await fetch(`${fake.url}/apis/argoproj.io/v1alpha1/namespaces/default/workflows`, {
    method: 'POST',
    headers: { authorization: 'Bearer fake-token' },
    body: JSON.stringify(workflow)
  });
  return state;
}
