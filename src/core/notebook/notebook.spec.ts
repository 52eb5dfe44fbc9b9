import { notebookJson, step } from '../__fixtures__/notebookBuilder';
import { parseNotebook } from './parse';
import { planNotebook } from './steps';
import { parseTag } from './tags';

const plan = (json: unknown) => {
  const parsed = parseNotebook(json);
  if (!parsed.notebook) {
    throw new Error('expected a notebook');
  }
  return planNotebook(parsed.notebook);
};

describe('parseNotebook', () => {
  test('source as a string or a list of lines, any nbformat 4 minor', () => {
    const parsed = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 2,
        metadata: {},
        cells: [
          { cell_type: 'code', metadata: { tags: ['step:a'] }, source: ['x = 1\n', 'y = 2'] },
          { cell_type: 'code', metadata: {}, source: 'z = 3' }
        ]
      })
    );
    expect(parsed.notebook?.cells.map(c => [c.source, c.tags])).toEqual([
      ['x = 1\ny = 2', ['step:a']],
      ['z = 3', []]
    ]);
    expect(parsed.notebook?.nbformatMinor).toBe(2);
  });

  test.each([
    ['{"cells": [', 'invalid-json'],
    ['[]', 'invalid-notebook'],
    ['{"cells": []}', 'invalid-notebook'],
    ['{"nbformat": 3, "worksheets": []}', 'unsupported-nbformat'],
    ['{"nbformat": 4, "cells": 7}', 'invalid-notebook']
  ])('%s is reported as %s, never thrown', (text, code) => {
    const parsed = parseNotebook(text);
    expect(parsed.notebook).toBeNull();
    expect(parsed.diagnostics.map(d => [d.severity, d.code])).toEqual([['error', code]]);
  });

  test('malformed cells are reported and skipped', () => {
    const parsed = parseNotebook({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [42, { cell_type: 'code', source: 5, metadata: { tags: 'step:a' } }, { cell_type: 'code', source: '', metadata: { tags: [1, 'skip'] } }]
    });
    expect(parsed.diagnostics.map(d => [d.code, d.cell])).toEqual([
      ['invalid-cell', 0],
      ['invalid-cell', 1],
      ['invalid-cell', 1],
      ['invalid-cell', 2]
    ]);
    expect(parsed.notebook?.cells[2].tags).toEqual(['skip']);
  });
});

describe('parseTag', () => {
  test.each([
    ['step:train', { kind: 'step', name: 'train' }],
    ['block:train', { kind: 'step', name: 'train' }],
    ['step:', { kind: 'continuation' }],
    ['notebook:notebook_a', { kind: 'notebook', name: 'notebook_a' }],
    ['prev:load', { kind: 'prev', name: 'load' }],
    ['skip', { kind: 'skip' }],
    ['imports', { kind: 'prelude' }],
    ['functions', { kind: 'prelude' }],
    ['pipeline-parameters', { kind: 'parameters' }],
    ['parameters', { kind: 'parameters' }],
    ['pipeline-metrics', { kind: 'metrics' }],
    ['limit:nvidia.com/gpu:1', { kind: 'limit', resource: 'nvidia.com/gpu', value: '1' }],
    ['image:python:3.12-slim', { kind: 'image', ref: 'python:3.12-slim' }],
    ['label:team:ml:core', { kind: 'label', key: 'team', value: 'ml:core' }],
    ['annotation:note:hello world', { kind: 'annotation', key: 'note', value: 'hello world' }],
    ['secret:db-creds:password:DB_PASSWORD', { kind: 'secret', name: 'db-creds', key: 'password', env: 'DB_PASSWORD' }],
    ['cache:disabled', { kind: 'cache', enabled: false }],
    ['retry:3', { kind: 'retry', count: 3 }],
    ['timeout:1h30m', { kind: 'timeout', duration: '1h30m' }],
    ['timeout:90', { kind: 'timeout', duration: '90' }],
    ['report:enabled', { kind: 'report', enabled: true }],
    ['report:disabled', { kind: 'report', enabled: false }],
    ['toc', { kind: 'unknown', tag: 'toc' }],
    ['hide-input', { kind: 'unknown', tag: 'hide-input' }]
  ])('%s', (tag, expected) => {
    expect(parseTag(tag)).toEqual(expected);
  });

  test.each(['step: ', 'step:a\nb', 'limit:cpu', 'secret:a:b:1bad', 'cache:maybe', 'retry:-1', 'timeout:soon', 'image:', 'report:', 'report:yes'])(
    '%s is invalid',
    tag => {
      expect(parseTag(tag).kind).toBe('invalid');
    }
  );
});

describe('planNotebook', () => {
  test('Kale metadata is read, cellpipe metadata overrides it', () => {
    const p = plan(
      notebookJson(['x = 1'], {
        kubeflow_notebook: {
          pipeline_name: 'kale-name',
          experiment_name: 'exp',
          docker_image: 'img:1',
          volume_access_mode: 'rwm',
          volumes: [{ name: 'data', mount_point: '/data', type: 'pvc', size: 5, size_type: 'Gi' }],
          steps_defaults: ['label:team:ml']
        },
        cellpipe: { pipelineName: 'own-name', volume: { size: '10Gi' } }
      })
    );
    expect(p.settings).toMatchObject({
      pipelineName: 'own-name',
      experiment: 'exp',
      image: 'img:1',
      volume: { size: '10Gi', accessMode: 'ReadWriteMany' },
      mounts: [{ name: 'data', mountPath: '/data', type: 'pvc', size: '5Gi', storageClass: null }]
    });
    expect(p.steps[0].config.labels).toEqual({ team: 'ml' });
  });

  test('metadata of the wrong type is a warning', () => {
    const p = plan(notebookJson(['x = 1'], { cellpipe: { pipelineName: ['x'] }, kubeflow_notebook: 'nope' }));
    expect(p.diagnostics.map(d => d.code)).toEqual(['invalid-metadata', 'invalid-metadata']);
  });

  test('step configuration tags', () => {
    const p = plan(
      notebookJson([
        step('a', 'x = 1', 'limit:memory:4Gi', 'retry:2', 'cache:enabled', 'secret:s:k:ENV', 'pip:xgboost==2.1.0'),
        { code: 'y = 2', tags: ['image:py:3', 'timeout:30m', 'pip:tqdm'] },
        step('b', 'z = 3', 'pip:none')
      ])
    );
    expect(p.steps[0].config).toEqual({
      limits: { memory: '4Gi' },
      image: 'py:3',
      labels: {},
      annotations: {},
      secrets: [{ name: 's', key: 'k', env: 'ENV' }],
      cache: true,
      retry: 2,
      timeout: '30m',
      requirements: ['xgboost==2.1.0', 'tqdm'],
      installRequirements: null
    });
    expect(p.steps[1].config).toMatchObject({ requirements: [], installRequirements: false });
  });

  test('pip: tags take one requirement each, or none', () => {
    expect(parseTag('pip:scikit-learn>=1.5')).toEqual({ kind: 'pip', requirement: 'scikit-learn>=1.5' });
    expect(parseTag('pip:none')).toEqual({ kind: 'pip', requirement: null });
    for (const bad of ['pip:', 'pip:-r x.txt', 'pip:a b']) {
      expect(parseTag(bad)).toMatchObject({ kind: 'invalid' });
    }
  });

  test('notebook settings for step environments', () => {
    const p = plan(
      notebookJson(['x = 1'], {
        kubeflow_notebook: { base_image: 'team/base:1' },
        cellpipe: {
          requirements: ['requests==2.32.0'],
          installRequirements: false,
          packageIndex: { indexUrl: 'https://pypi.example/simple', secret: 'pip-creds' }
        }
      })
    );
    expect(p.settings).toMatchObject({
      image: 'team/base:1',
      requirements: ['requests==2.32.0'],
      installRequirements: false,
      packageIndex: { indexUrl: 'https://pypi.example/simple', extraIndexUrls: [], trustedHosts: [], secret: 'pip-creds' }
    });
    expect(plan(notebookJson(['x = 1'], { cellpipe: { installRequirements: 'no' } })).diagnostics.map(d => d.code)).toEqual(['invalid-metadata']);
  });

  test.each([
    ['quote', `step:a"b`, 'unsafe-step-name'],
    ['newline', 'step:a\nb', 'invalid-tag'],
    ['template braces', 'step:{{x}}', 'unsafe-step-name'],
    ['shell substitution', 'step:$(rm -rf /)', 'unsafe-step-name'],
    ['emoji', 'step:🚀', 'unsafe-step-name'],
    ['unknown tag', 'whatever:🚀', 'unknown-tag']
  ])('a tag with a %s gets a diagnostic, never a crash', (_label, tag, code) => {
    const p = plan(notebookJson([{ code: 'x = 1', tags: [tag] }]));
    expect(p.diagnostics.map(d => d.code)).toContain(code);
    expect(p.steps).toHaveLength(1);
  });

  test("Kale's report: tag is recognised: report:enabled gets an info on its cell saying cellpipe makes no HTML report, report:disabled nothing", () => {
    const p = plan(
      notebookJson([step('load', 'x = 1', 'report:disabled'), step('train', 'y = x', 'report:enabled'), { code: 'z = y', tags: ['report:often'] }])
    );
    expect(p.diagnostics.map(d => [d.severity, d.code, d.cell])).toEqual([
      ['info', 'kale-report-tag', 1],
      ['error', 'invalid-tag', 2]
    ]);
    expect(p.diagnostics[0].message).toMatch(/report:enabled.*no HTML report.*cellpipe sidebar/);
    expect(p.diagnostics[1].message).toContain('write report:enabled or report:disabled');
    expect(p.steps.map(s => s.name)).toEqual(['load', 'train']);
  });

  test("Kale's empty step: tag continues the step above, as an untagged cell does", () => {
    const p = plan(
      notebookJson([step('load', 'x = 1'), { code: 'y = x', tags: ['step:'] }, step('train', 'z = y'), { code: 'w = z', tags: ['step:'] }])
    );
    expect(p.diagnostics).toEqual([]);
    expect(p.steps.map(s => [s.name, s.cells])).toEqual([
      ['load', [0, 1]],
      ['train', [2, 3]]
    ]);
  });

  test("Kale's notebook: composition is refused on the cell, never read as an empty step", () => {
    const p = plan(notebookJson([{ code: '', tags: ['notebook:notebook_a'] }, step('final', 'print(prediction)')]));
    expect(p.diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'notebook-composition', cell: 0 })]);
    expect(p.diagnostics[0].message).toMatch(/notebook:notebook_a.*notebook_path.*Copy that notebook's cells into this notebook/);
  });

  test("Kale's enable_caching is every step's cache setting; a step's cache: tag wins", () => {
    const p = plan(notebookJson([step('a', 'x = 1'), step('b', 'y = x', 'cache:enabled')], { kubeflow_notebook: { enable_caching: false } }));
    expect(p.settings.cache).toBe(false);
    expect(p.steps.map(s => [s.name, s.config.cache])).toEqual([
      ['a', false],
      ['b', true]
    ]);
  });

  test('names that collide once sanitised are duplicate steps', () => {
    const p = plan(notebookJson([step('Train Model', 'x = 1'), step('train-model', 'y = 2')]));
    expect(p.diagnostics.map(d => [d.code, d.cell])).toEqual([['duplicate-step', 1]]);
  });

  test('conflicting roles and several step tags are warnings', () => {
    const p = plan(
      notebookJson([
        { code: 'x = 1', tags: ['step:a', 'step:b'] },
        { code: 'import os', tags: ['imports', 'step:c', 'prev:a'] }
      ])
    );
    expect(p.diagnostics.map(d => d.code)).toEqual(['multiple-step-tags', 'conflicting-tags', 'ignored-tag']);
    expect(p.steps.map(s => s.name)).toEqual(['a']);
    expect(p.preludeCells).toEqual([1]);
  });
});
