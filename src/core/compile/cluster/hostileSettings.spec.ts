/**
 * Notebook settings and parameters a cluster run would choke on, on both cluster targets: each is
 * a compile error naming what to change, or arrives intact (the YAML parsed back, as the cluster reads it).
 */
import { parseAllDocuments } from 'yaml';
import { argoYaml, compileArgo } from '../argo';
import { compileKfp, KFP_OUTPUTS_PAGE_ARTIFACT, kfpYaml } from '../kfp';
import { notebookJson, step } from '../../__fixtures__/notebookBuilder';
import type { Diagnostic } from '../../notebook';
import { pipelineOf } from './__fixtures__/pipelines';
import { DATA_MOUNT_PATH } from './options';

const targets: [string, (notebook: unknown) => Diagnostic[]][] = [
  ['argo', notebook => compileArgo(pipelineOf(notebook)).diagnostics],
  ['kfp', notebook => compileKfp(pipelineOf(notebook)).diagnostics]
];

const withVolumes = (...volumes: { name: string; mount_point: string }[]): unknown =>
  notebookJson([step('a', 'x = 1')], { kubeflow_notebook: { volumes: volumes.map(v => ({ ...v, type: 'pvc' })) } });

describe.each(targets)('%s: notebook volumes at reserved paths', (_target, diagnose) => {
  test.each([
    ['/', "would hide the image's whole file system"],
    ['/./', "would hide the image's whole file system"],
    ['/cellpipe', `would hide ${DATA_MOUNT_PATH}`],
    [DATA_MOUNT_PATH, `is inside ${DATA_MOUNT_PATH}`],
    [`${DATA_MOUNT_PATH}/run/`, `is inside ${DATA_MOUNT_PATH}`],
    ['/mnt/../cellpipe//data', `is inside ${DATA_MOUNT_PATH}`],
    ['/proc', 'is inside /proc'],
    ['/dev/shm', 'is inside /dev']
  ])('%s is refused, naming the volume', (mountPoint, problem) => {
    const errors = diagnose(withVolumes({ name: 'shared', mount_point: mountPoint })).filter(d => d.code === 'volume-mount-path');
    expect(errors).toHaveLength(1);
    expect(errors[0].severity).toBe('error');
    expect(errors[0].message).toContain('volume "shared"');
    expect(errors[0].message).toContain(problem);
  });

  test('two volumes at one path are refused; distinct paths are mounted', () => {
    expect(diagnose(withVolumes({ name: 'a', mount_point: '/data' }, { name: 'b', mount_point: '/data/' })).map(d => d.code)).toEqual([
      'volume-mount-path'
    ]);
    expect(diagnose(withVolumes({ name: 'a', mount_point: '/data' }, { name: 'b', mount_point: '/home/jovyan/data' }))).toEqual([]);
  });
});

describe.each(targets)('%s: image references', (_target, diagnose) => {
  test.each(['python:3.12!', 'Python:3.12', 'python:{{workflow.name}}', 'python@sha256:abc', 'python:', 'https://ghcr.io/x'])(
    'image:%s is an error on its step',
    image => {
      const errors = diagnose(notebookJson([step('a', 'x = 1', `image:${image}`)])).filter(d => d.severity === 'error');
      expect(errors.map(d => [d.cell, d.message.includes(`image ${JSON.stringify(image)} is not an image reference`)])).toEqual([[0, true]]);
    }
  );

  test('a registry with a port, a path and a digest is accepted', () => {
    const image = `registry.example.com:5000/team/python:3.12@sha256:${'0'.repeat(64)}`;
    expect(diagnose(notebookJson([step('a', 'x = 1', `image:${image}`)]))).toEqual([]);
  });
});

describe('template syntax in user text on KFP', () => {
  const HOSTILE = ['{{workflow.name}}', '$(HOME)', "{{$.inputs.parameters['p']}}", '{{=sprig.env("X")}}', '{{'];

  test('string defaults, list items and dict keys arrive intact, and nothing in the YAML expands', () => {
    const code = [
      `text = ${JSON.stringify(HOSTILE.join(' '))}`,
      `items = ${JSON.stringify(HOSTILE)}`,
      `table = {${HOSTILE.map((h, i) => `${JSON.stringify(h)}: ${i}`).join(', ')}}`,
      'plain = "kept as it is"'
    ].join('\n');
    const result = compileKfp(pipelineOf(notebookJson([{ code, tags: ['pipeline-parameters'] }, step('a', 'print(text, items, table, plain)')])));
    expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    const yaml = kfpYaml(result);
    // cellpipe's own placeholders are KFP's `{{$.inputs.parameters['NAME']}}`, `{{$.pipeline_job_uuid}}` and the
    // path of the step's outputs page; nothing else may expand.
    const expanding = yaml.match(/\{\{[^}]*\}\}|\$\(/g) ?? [];
    expect(new Set(expanding)).toEqual(
      new Set([
        '{{$.pipeline_job_uuid}}',
        `{{$.outputs.artifacts['${KFP_OUTPUTS_PAGE_ARTIFACT}'].path}}`,
        ...['text', 'items', 'table', 'plain'].map(name => `{{$.inputs.parameters['${name}']}}`)
      ])
    );
    const [spec] = parseAllDocuments(yaml).map(
      d => d.toJS() as { root: { inputDefinitions: { parameters: Record<string, { parameterType: string; defaultValue: unknown }> } } }
    );
    const defaults = spec.root.inputDefinitions.parameters;
    expect(JSON.parse(defaults.text.defaultValue as string)).toBe(HOSTILE.join(' '));
    expect(JSON.parse(defaults.items.defaultValue as string)).toEqual(HOSTILE);
    expect(Object.keys(JSON.parse(defaults.table.defaultValue as string) as object)).toEqual(HOSTILE);
    expect(defaults.plain).toMatchObject({ parameterType: 'STRING', defaultValue: 'kept as it is' });
  });

  test.each([
    ['pipeline_name', 'daily-{{workflow.name}}', 'pipeline name'],
    ['pipeline_description', 'costs $(date)', 'pipeline description']
  ])('%s %s is an error naming the setting', (key, value, what) => {
    const result = compileKfp(pipelineOf(notebookJson([step('a', 'x = 1')], { kubeflow_notebook: { [key]: value } })));
    expect(
      result.diagnostics.filter(d => d.severity === 'error').map(d => [d.code, d.message.startsWith(`the ${what} ${JSON.stringify(value)}`)])
    ).toEqual([['template-syntax', true]]);
  });

  test('Argo writes the same defaults without template syntax too', () => {
    const code = `text = ${JSON.stringify(HOSTILE.join(' '))}`;
    const { workflow } = compileArgo(pipelineOf(notebookJson([{ code, tags: ['pipeline-parameters'] }, step('a', 'print(text)')])));
    const parameter = workflow.spec.arguments!.parameters![0];
    expect(JSON.parse(parameter.value!)).toBe(HOSTILE.join(' '));
    expect(argoYaml(workflow)).not.toMatch(/\{\{(?!inputs\.|workflow\.|tasks\.|pod\.)|\$\(/);
  });
});
