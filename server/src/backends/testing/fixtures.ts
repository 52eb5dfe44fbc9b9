import { KubeConfig } from '@kubernetes/client-node';
import { stepOutputs } from '../../../../src/core/compile/argo';
import type { ArgoWorkflow } from '../kubernetes/argoWorkflow';
import type { RemoteStep } from '../remoteRun';

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
