import { join } from 'path';
import { parse } from 'yaml';
import { argoYaml, compileArgo, compileArgoWorkflow, ARGO_ENTRYPOINT, ARGO_LABELS, ARGO_SETUP_TASK, type ArgoWorkflow } from '.';
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
import { RUNTIME_PATH } from '../runtime/contract';
import { argoSetupPartTask } from './labels';
import { validateArgoWorkflow } from './validate';
import { utf8Bytes } from '../cluster/diagnostics';
import { generateNotebook } from '../../__fixtures__/generatedNotebook';

/** The Workflow with the setup script shown as the step scripts it writes (without the runtime), for golden files. */
function withoutRuntime(workflow: ArgoWorkflow): ArgoWorkflow {
  const copy = JSON.parse(JSON.stringify(workflow)) as ArgoWorkflow;
  const setup = copy.spec.templates.find(t => t.name === ARGO_SETUP_TASK)!;
  setup.script!.source = setupForGolden(setup.script!.source);
  return copy;
}

describe.each(corpusPipelines())('corpus notebook %s', (name, pipeline) => {
  const { workflow, diagnostics } = compileArgo(pipeline);
  const text = argoYaml(workflow);

  it('compiles to a valid Workflow that parses back from YAML', () => {
    expect(diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    expect(parse(text)).toEqual(workflow);
    expect(validateArgoWorkflow(parse(text))).toEqual([]);
  });

  it('matches its golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const actual = withoutRuntimeId(argoYaml(withoutRuntime(workflow)));
    expect(actual).toBe(golden(join(__dirname, '__golden__', `${name}.yaml`), actual));
  });

  it('has one task per step, named by the step id, with the inferred edges', () => {
    const dag = workflow.spec.templates.find(t => t.name === ARGO_ENTRYPOINT)!.dag!.tasks;
    expect(dag.map(t => t.name)).toEqual([ARGO_SETUP_TASK, ...pipeline.steps.map(s => s.id)]);
    for (const step of pipeline.steps) {
      const task = dag.find(t => t.name === step.id)!;
      expect(task.template).toBe(step.id);
      expect(task.dependencies).toEqual(step.dependsOn.length ? step.dependsOn : [ARGO_SETUP_TASK]);
      const template = workflow.spec.templates.find(t => t.name === step.id)!;
      expect(template.metadata!.labels![ARGO_LABELS.stepId]).toBe(step.id);
    }
  });
});

describe('the fan-out example (examples/fan-out.ipynb)', () => {
  const { workflow, diagnostics } = compileArgo(examplePipeline('fan-out'));

  it('compiles to a valid Workflow that parses back from YAML and matches its golden file', () => {
    expect(diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    expect(validateArgoWorkflow(parse(argoYaml(workflow)))).toEqual([]);
    const actual = withoutRuntimeId(argoYaml(withoutRuntime(workflow)));
    expect(actual).toBe(golden(join(__dirname, '__golden__', 'fan_out.yaml'), actual));
  });

  it("runs the items withParam over the producer's list, then the gather the step after waits for", () => {
    const dag = workflow.spec.templates.find(t => t.name === ARGO_ENTRYPOINT)!.dag!.tasks;
    expect(dag.map(t => [t.name, t.dependencies])).toEqual([
      [ARGO_SETUP_TASK, undefined],
      ['split', [ARGO_SETUP_TASK]],
      ['train--items', ['split']],
      ['train', ['train--items']],
      ['report', ['train']]
    ]);
    expect(dag[2].arguments).toEqual({ parameters: [{ name: 'items', value: '{{tasks.split.outputs.parameters.cellpipe-items-0}}' }] });
    const items = workflow.spec.templates.find(t => t.name === 'train--items')!;
    expect(items.parallelism).toBeUndefined();
    expect(items.dag!.tasks).toEqual([
      {
        name: 'item',
        template: 'train--item',
        withParam: '{{inputs.parameters.items}}',
        arguments: { parameters: [{ name: 'item', value: '{{item}}' }] }
      }
    ]);
  });
});

describe('Workflow options and settings', () => {
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { cellpipe: { image: 'registry.example/ds:1', volume: { size: '5Gi', storageClass: 'fast', accessMode: 'ReadWriteOnce' } } },
    cells: [
      { cell_type: 'code', metadata: { tags: ['pipeline-parameters'] }, source: 'lr = 0.1\nname = "x"', outputs: [], execution_count: null },
      { cell_type: 'code', metadata: { tags: ['step:load'] }, source: 'data = [1, 2]', outputs: [], execution_count: null },
      {
        cell_type: 'code',
        metadata: {
          tags: [
            'step:a',
            'limit:nvidia.com/gpu:1',
            'limit:memory:4Gi',
            'retry:3',
            'timeout:1h30m',
            'image:custom:2',
            'secret:creds:token:API_TOKEN',
            'label:team:ml',
            'annotation:owner:me'
          ]
        },
        source: 'a = sum(data) * lr',
        outputs: [],
        execution_count: null
      },
      { cell_type: 'code', metadata: { tags: ['step:b'] }, source: 'b = len(data)', outputs: [], execution_count: null }
    ]
  };
  const pipeline = pipelineOf(notebook);

  it('turns step tags into resources, retries, deadlines, images, secrets and metadata', () => {
    const wf = compileArgoWorkflow(pipeline, {
      namespace: 'ml',
      serviceAccount: 'runner',
      nodeSelector: { pool: 'gpu' },
      tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }]
    });
    expect(validateArgoWorkflow(wf)).toEqual([]);
    const a = wf.spec.templates.find(t => t.name === 'a')!;
    expect(a.script!.image).toBe('custom:2');
    expect(a.script!.resources).toEqual({ limits: { 'nvidia.com/gpu': '1', memory: '4Gi' } });
    expect(a.retryStrategy).toEqual({ limit: '3', retryPolicy: 'Always' });
    expect(a.activeDeadlineSeconds).toBe('5400');
    expect(a.script!.env).toContainEqual({ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } });
    expect(a.script!.env).toContainEqual({
      name: 'CELLPIPE_PARAMETERS',
      value: '{"lr": {{workflow.parameters.lr}}, "name": {{workflow.parameters.name}}}'
    });
    expect(a.metadata).toEqual({
      labels: { team: 'ml', [ARGO_LABELS.pipeline]: 'notebook', [ARGO_LABELS.role]: 'step', [ARGO_LABELS.stepId]: 'a' },
      annotations: { owner: 'me' }
    });
    expect(a.nodeSelector).toEqual({ pool: 'gpu' });
    expect(a.tolerations).toEqual([{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(wf.spec.templates.find(t => t.name === 'b')!.script!.image).toBe('registry.example/ds:1');
    expect(wf.metadata).toEqual({ generateName: 'notebook-', namespace: 'ml', labels: { [ARGO_LABELS.pipeline]: 'notebook' } });
    expect(wf.spec.serviceAccountName).toBe('runner');
    expect(wf.spec.podGC).toEqual({ strategy: 'OnPodSuccess' });
    expect(wf.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'cellpipe-data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'fast' }
      }
    ]);
    expect(wf.spec.volumeClaimGC).toEqual({ strategy: 'OnWorkflowSuccess' });
    expect(wf.spec.arguments!.parameters.map(p => [p.name, p.value])).toEqual([
      ['lr', '0.1'],
      ['name', '"x"']
    ]);
  });

  it('warns when parallel branches share a ReadWriteOnce volume, not when it is ReadWriteMany', () => {
    const rwo = compileArgo(pipeline).diagnostics;
    expect(rwo.map(d => `${d.severity} ${d.code}`)).toEqual(['warning volume-read-write-once']);
    expect(rwo[0].message).toMatch(/ReadWriteMany/);
    const rwx = compileArgo(pipeline, { volume: { size: '1Gi', storageClass: null, accessMode: 'ReadWriteMany' } }).diagnostics;
    expect(rwx).toEqual([]);
  });

  it('uses an existing claim, and emits a WorkflowTemplate with --template', () => {
    const wf = compileArgoWorkflow(pipeline, { volume: { existingClaim: 'shared-data' }, template: true, name: 'My Pipeline!' });
    expect(validateArgoWorkflow(wf)).toEqual([]);
    expect(wf.kind).toBe('WorkflowTemplate');
    expect(wf.metadata.name).toBe('my-pipeline');
    expect(wf.spec.volumeClaimTemplates).toBeUndefined();
    expect(wf.spec.volumes).toEqual([{ name: 'cellpipe-data', persistentVolumeClaim: { claimName: 'shared-data' } }]);
  });

  it('keeps generateName within 58 characters', () => {
    const wf = compileArgoWorkflow(pipeline, { name: 'x'.repeat(200) });
    expect(wf.metadata.generateName!.length).toBeLessThanOrEqual(58);
    expect(validateArgoWorkflow(wf)).toEqual([]);
  });

  it('reports values the cluster would reject, naming the step', () => {
    const bad = JSON.parse(JSON.stringify(notebook));
    bad.cells[2].metadata.tags.push('limit:memory:lots', 'annotation:x:{{workflow.name}}', 'secret:Bad_Name:k:ENV', 'label:team:not valid!');
    const errors = compileArgo(pipelineOf(bad)).diagnostics.filter(d => d.severity === 'error');
    expect(errors.map(d => d.message)).toEqual([
      expect.stringMatching(/step "a": limit:memory:lots is not a Kubernetes quantity/),
      expect.stringMatching(/label value "not valid!" is not valid/),
      expect.stringMatching(/annotation value "\{\{workflow.name\}\}" contains '\{\{'/),
      expect.stringMatching(/secret:Bad_Name:k:ENV does not name a Kubernetes secret/)
    ]);
    expect(errors.every(d => d.cell === 2)).toBe(true);
    expect(() => compileArgoWorkflow(pipelineOf(bad))).toThrow(
      /cannot be compiled for the cluster:\n {2}cell 3, line 1:1: error compile-invalid-value: step "a"/
    );
  });

  it('refuses parameter names Argo cannot take', () => {
    const unicode = JSON.parse(JSON.stringify(notebook));
    unicode.cells[0].source = 'lr = 0.1\ndonnées = 1';
    expect(
      compileArgo(pipelineOf(unicode))
        .diagnostics.filter(d => d.severity === 'error')
        .map(d => d.code)
    ).toEqual(['parameter-name']);
  });
});

describe('random hostile notebooks', () => {
  const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
  const compiled = seeds.map(seed => {
    const pipeline = pipelineOf(randomNotebook(seed));
    return { seed, pipeline, ...compileArgo(pipeline) };
  });

  it('compile without errors to Workflows that pass the schema and the semantic checks', () => {
    for (const { seed, workflow, diagnostics } of compiled) {
      expect({ seed, errors: diagnostics.filter(d => d.severity === 'error') }).toEqual({ seed, errors: [] });
      expect({ seed, problems: validateArgoWorkflow(parse(argoYaml(workflow))) }).toEqual({ seed, problems: [] });
    }
  });

  it('never let Argo or Kubernetes see a template in a script', () => {
    for (const { workflow } of compiled) {
      for (const template of workflow.spec.templates) {
        expect(template.script?.source ?? '').not.toMatch(/\{\{|\$\(/);
      }
    }
  });

  it('give scripts that py_compile accepts', () => {
    const sources = compiled.flatMap(({ workflow }) => workflow.spec.templates.flatMap(t => (t.script ? [t.script.source] : [])));
    expect(pythonCompileErrors(sources)).toEqual([]);
  });
});

describe('a 300-step pipeline', () => {
  // The benchmark's generated notebook, one step per cell (~400 bytes of code each).
  const notebook = generateNotebook(302);
  notebook.cells.slice(2).forEach((cell, i) => (cell.metadata = { tags: [`step:step_${i}`] }));
  const pipeline = pipelineOf(notebook);
  const workflow = compileArgoWorkflow(pipeline);
  const json = JSON.stringify(workflow);

  it("stores the runtime and the step scripts once, packed, and stays under etcd's 1.5 MiB object limit", () => {
    expect(pipeline.steps).toHaveLength(300);
    expect(json).not.toContain('def main(spec)');
    const parts = [ARGO_SETUP_TASK, ...[2, 3, 4, 5].map(argoSetupPartTask)].map(
      name => workflow.spec.templates.find(t => t.name === name)?.script?.source
    );
    const files = decodePayload(
      parts
        .filter(source => source !== undefined)
        .map(source => payloadPartOf(source)!)
        .join('')
    );
    expect(Object.keys(files)).toEqual([RUNTIME_PATH, ...pipeline.steps.map(step => stepScriptPath(step.id))]);
    expect(Object.values(files).join('').split('def main(spec)').length - 1).toBe(1);
    const bytes = new TextEncoder().encode(json).length;
    expect(bytes).toBeLessThan(1.5 * 1024 * 1024);
    expect(validateArgoWorkflow(workflow)).toEqual([]);
  });
});

describe('the size Kubernetes stores in one object', () => {
  // Text gzip cannot shrink much (6 random bits a character, xorshift32), as a cell's embedded data would be.
  const incompressible = (length: number): string => {
    let state = 2463534242;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
    return Array.from({ length }, () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return alphabet[(state >>> 26) & 63];
    }).join('');
  };
  const withCell = (bytes: number) =>
    pipelineOf({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        {
          cell_type: 'code',
          metadata: { tags: ['step:a'] },
          source: `table = ${JSON.stringify(incompressible(bytes))}`,
          outputs: [],
          execution_count: null
        },
        { cell_type: 'code', metadata: { tags: ['step:b'] }, source: 'print(len(table))', outputs: [], execution_count: null }
      ]
    });

  it('refuses a Workflow over 1.5 MiB with what to do, and warns when it comes close', () => {
    const tooLarge = compileArgo(withCell(1600 * 1024)).diagnostics.find(d => d.code === 'compile-too-large');
    expect(tooLarge).toMatchObject({ severity: 'error' });
    expect(tooLarge!.message).toMatch(/^the Workflow is 1\.\d\d MiB, more than the 1\.5 MiB .* move large literals/);
    expect(() => compileArgoWorkflow(withCell(1600 * 1024))).toThrow(/more than the 1\.5 MiB/);
    const close = compileArgo(withCell(1100 * 1024)).diagnostics;
    expect(close.map(d => [d.severity, d.code])).toEqual([['warning', 'compile-large']]);
    expect(compileArgo(withCell(10 * 1024)).diagnostics).toEqual([]);
  });

  it('counts bytes as UTF-8 does', () => {
    for (const text of ['', 'ascii', 'é', '€ and ✓', '𝄞 clef', 'x\u{1F600}y', '\ud800 lone surrogate', '\ud800é', 'é\udc00']) {
      expect(utf8Bytes(text)).toBe(Buffer.byteLength(text, 'utf8'));
    }
  });
});
