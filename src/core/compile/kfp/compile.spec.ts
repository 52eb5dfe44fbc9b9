import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import {
  compileKfp,
  compileKfpPipeline,
  kfpYaml,
  KFP_CREATE_PVC_TASK,
  KFP_DELETE_PVC_TASK,
  KFP_OUTPUTS_PAGE_ARTIFACT,
  KFP_SETUP_TASK,
  type KfpPipeline
} from '.';
import { CLUSTER_CELL_OUTPUTS_LIMIT, RUNTIME_ENV } from '../runtime/contract';
import {
  corpusPipelines,
  examplePipeline,
  golden,
  pipelineOf,
  pythonCompileErrors,
  randomNotebook,
  setupForGolden,
  withoutRuntimeId
} from '../cluster/__fixtures__/pipelines';
import { decodePayload, payloadPartOf, stepScriptPath } from '../cluster/stepPayload';
import { notebookJson, step } from '../../__fixtures__/notebookBuilder';

/** The parts of the KFP PipelineSpec these tests read (compileKfp returns it as plain JSON). */
interface PipelineSpecView {
  root: {
    dag: { tasks: Record<string, { cachingOptions?: unknown; retryPolicy?: unknown }> };
    inputDefinitions: { parameters: Record<string, unknown> };
  };
  deploymentSpec: { executors: Record<string, { container: { command?: string[]; args?: string[]; resources?: unknown } }> };
}

/** The parts of the kubernetes platform document these tests read. */
interface PlatformSpecView {
  platforms: { kubernetes: { deploymentSpec: { executors: Record<string, Record<string, unknown>> } } };
}

const pipelineSpecOf = (result: KfpPipeline): PipelineSpecView => result.pipelineSpec as unknown as PipelineSpecView;
const platformExecutorsOf = (result: KfpPipeline) =>
  (result.platformSpec as unknown as PlatformSpecView).platforms.kubernetes.deploymentSpec.executors;

/** The documents with the setup script shown as the step scripts it writes (without the runtime), for golden files. */
function withoutRuntime(result: KfpPipeline): KfpPipeline {
  const copy = JSON.parse(JSON.stringify(result)) as KfpPipeline;
  const command = pipelineSpecOf(copy).deploymentSpec.executors[`exec-${KFP_SETUP_TASK}`].container.command!;
  command[2] = setupForGolden(command[2]);
  return copy;
}

/** The Python sources of the tasks, and the step scripts the setup task's payload holds. */
const scripts = (result: KfpPipeline): string[] => {
  const sources = Object.values(pipelineSpecOf(result).deploymentSpec.executors)
    .map(e => e.container.command?.[2])
    .filter((s): s is string => typeof s === 'string');
  const files = decodePayload(payloadPartOf(pipelineSpecOf(result).deploymentSpec.executors[`exec-${KFP_SETUP_TASK}`].container.command![2])!);
  return [...sources, ...('problem' in files ? [] : Object.values(files))];
};

describe.each(corpusPipelines())('corpus notebook %s', (name, pipeline) => {
  const result = compileKfp(pipeline);

  it('compiles without errors to two YAML documents that parse back', () => {
    expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    const documents = parseAllDocuments(kfpYaml(result)).map(d => d.toJSON());
    expect(documents).toEqual([result.pipelineSpec, result.platformSpec]);
  });

  it('matches its golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const actual = withoutRuntimeId(kfpYaml(withoutRuntime(result)));
    expect(actual).toBe(golden(join(__dirname, '__golden__', `${name}.yaml`), actual));
  });

  it("gives each step an HTML output artifact for its outputs page, whose path the guard gets, and the pods' outputs limit", () => {
    const spec = result.pipelineSpec as unknown as PipelineSpecView & {
      components: Record<string, { outputDefinitions?: { artifacts: Record<string, unknown> } }>;
    };
    for (const step of pipeline.steps) {
      expect(spec.components[`comp-${step.id}`].outputDefinitions).toEqual({
        artifacts: { [KFP_OUTPUTS_PAGE_ARTIFACT]: { artifactType: { schemaTitle: 'system.HTML', schemaVersion: '0.0.1' } } }
      });
      const container = spec.deploymentSpec.executors[`exec-${step.id}`].container as { args: string[]; env: unknown[] };
      expect(container.args[2]).toBe(`{{$.outputs.artifacts['${KFP_OUTPUTS_PAGE_ARTIFACT}'].path}}`);
      expect(container.env).toContainEqual({ name: RUNTIME_ENV.outputsLimit, value: String(CLUSTER_CELL_OUTPUTS_LIMIT) });
    }
  });

  it('creates, mounts and deletes the PVC, with caching off everywhere', () => {
    const tasks = pipelineSpecOf(result).root.dag.tasks;
    expect(Object.keys(tasks)).toEqual([KFP_CREATE_PVC_TASK, KFP_SETUP_TASK, ...pipeline.steps.map(s => s.id), KFP_DELETE_PVC_TASK]);
    for (const task of Object.values(tasks)) {
      expect(task.cachingOptions).toEqual({ enableCache: false });
    }
    const executors = platformExecutorsOf(result);
    for (const step of pipeline.steps) {
      expect(executors[`exec-${step.id}`].pvcMount).toEqual([
        { mountPath: '/cellpipe/data', taskOutputParameter: { producerTask: KFP_CREATE_PVC_TASK, outputParameterKey: 'name' } }
      ]);
    }
  });
});

describe('the fan-out example (examples/fan-out.ipynb)', () => {
  it('compiles without errors to two YAML documents that parse back and match its golden file', () => {
    const result = compileKfp(examplePipeline('fan-out'));
    expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    expect(parseAllDocuments(kfpYaml(result)).map(d => d.toJSON())).toEqual([result.pipelineSpec, result.platformSpec]);
    const actual = withoutRuntimeId(kfpYaml(withoutRuntime(result)));
    expect(actual).toBe(golden(join(__dirname, '__golden__', 'fan_out.yaml'), actual));
  });
});

describe('KFP parameters and options', () => {
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      {
        cell_type: 'code',
        metadata: { tags: ['pipeline-parameters'] },
        source: 'n = 3\nlr = 0.5\nname = "{{x}}"\nflag = True\nitems = [1, "a"]\nopts = {"k": 1}\nnothing = None',
        outputs: [],
        execution_count: null
      },
      {
        cell_type: 'code',
        metadata: { tags: ['step:train', 'limit:nvidia.com/gpu:1', 'limit:cpu:2', 'retry:2', 'timeout:10m', 'secret:creds:token:TOKEN'] },
        source: 'print(n, lr, name, flag, items, opts, nothing)',
        outputs: [],
        execution_count: null
      }
    ]
  };
  const result = compileKfpPipeline(pipelineOf(notebook), { volume: { existingClaim: 'shared' }, nodeSelector: { pool: 'gpu' } });
  const spec = pipelineSpecOf(result);

  it('declares typed pipeline parameters and passes each to the step by placeholder', () => {
    expect(spec.root.inputDefinitions.parameters).toEqual({
      n: { parameterType: 'NUMBER_INTEGER', defaultValue: 3, isOptional: true },
      lr: { parameterType: 'NUMBER_DOUBLE', defaultValue: 0.5, isOptional: true },
      // Argo (which runs KFP) would substitute {{x}}: the default goes as JSON text with the braces escaped.
      name: { parameterType: 'STRING', defaultValue: '"\\u007b\\u007bx\\u007d\\u007d"', isOptional: true },
      flag: { parameterType: 'BOOLEAN', defaultValue: true, isOptional: true },
      items: { parameterType: 'LIST', defaultValue: [1, 'a'], isOptional: true },
      opts: { parameterType: 'STRUCT', defaultValue: { k: 1 }, isOptional: true },
      nothing: { parameterType: 'STRING', defaultValue: 'null', isOptional: true }
    });
    const container = spec.deploymentSpec.executors['exec-train'].container;
    // The completion guard's argv (completionGuard.ts): the step script, its folder, its outputs page, then the step's own arguments.
    expect(container.args?.slice(0, 2)).toEqual([stepScriptPath('train'), 'train']);
    expect(container.args?.slice(3, 7)).toEqual(['/cellpipe/data/{{$.pipeline_job_uuid}}', 'n', 'json', "{{$.inputs.parameters['n']}}"]);
    expect(container.args?.[container.args.indexOf('name') + 1]).toBe('json');
    expect(container.resources).toEqual({ accelerator: { resourceType: 'nvidia.com/gpu', resourceCount: '1' }, resourceCpuLimit: '2' });
    expect(spec.root.dag.tasks.train.retryPolicy).toEqual({ maxRetryCount: 2 });
  });

  it('mounts an existing claim without creating or deleting one', () => {
    expect(Object.keys(spec.root.dag.tasks)).toEqual([KFP_SETUP_TASK, 'train']);
    const executor = platformExecutorsOf(result)['exec-train'];
    expect(executor).toEqual({
      secretAsEnv: [{ secretName: 'creds', keyToEnv: [{ secretKey: 'token', envVar: 'TOKEN' }] }],
      activeDeadlineSeconds: '600',
      pvcMount: [{ mountPath: '/cellpipe/data', constant: 'shared' }],
      nodeSelector: { labels: { pool: 'gpu' } }
    });
  });

  it('reports resources KFP cannot set', () => {
    const bad = JSON.parse(JSON.stringify(notebook));
    bad.cells[1].metadata.tags.push('limit:ephemeral-storage:1Gi');
    expect(() => compileKfpPipeline(pipelineOf(bad))).toThrow(/limit:ephemeral-storage cannot be set on Kubeflow Pipelines/);
  });
});

describe('random hostile notebooks', () => {
  it('compile to KFP documents whose scripts py_compile accepts and hold no Argo template', () => {
    const results = Array.from({ length: 25 }, (_, i) => compileKfp(pipelineOf(randomNotebook(100 + i))));
    for (const result of results) {
      expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
      for (const script of scripts(result)) {
        expect(script).not.toMatch(/\{\{|\$\(/);
      }
    }
    expect(pythonCompileErrors(results.flatMap(scripts))).toEqual([]);
  });
});

describe("the notebook's volumes (Kale's volumes)", () => {
  test('an existing claim is mounted in every task, as on Argo; other types are reported, not mounted', () => {
    const pipeline = pipelineOf(
      notebookJson([step('load', 'x = 1'), step('train', 'y = x')], {
        kubeflow_notebook: {
          volumes: [
            { name: 'raw-data', type: 'pvc', mount_point: '/data' },
            { name: 'workspace', type: 'clone', mount_point: '/home/jovyan' }
          ]
        }
      })
    );
    const { platformSpec, diagnostics } = compileKfp(pipeline);
    const executors = (platformSpec as { platforms: { kubernetes: { deploymentSpec: { executors: Record<string, { pvcMount: unknown[] }> } } } })
      .platforms.kubernetes.deploymentSpec.executors;
    for (const executor of Object.values(executors)) {
      expect(executor.pvcMount).toContainEqual({ mountPath: '/data', constant: 'raw-data' });
      expect(executor.pvcMount).not.toContainEqual(expect.objectContaining({ mountPath: '/home/jovyan' }));
    }
    expect(diagnostics.map(d => d.code)).toContain('volume-unsupported');
  });
});
