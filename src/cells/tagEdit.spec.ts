import { cellRole, configProblems, readStepConfig, setRole, setStepName, writeStepConfig } from './tagEdit';

describe('cell tag edits', () => {
  it('reads roles, Kale spellings included', () => {
    expect(cellRole(['foo', 'step:train'])).toEqual({ role: 'step', step: 'train' });
    expect(cellRole(['block:load'])).toEqual({ role: 'step', step: 'load' });
    expect(cellRole(['parameters'])).toEqual({ role: 'parameters', step: null });
    expect(cellRole(['pipeline-metrics'])).toEqual({ role: 'metrics', step: null });
    expect(cellRole(['hide-input'])).toEqual({ role: 'none', step: null });
  });

  it('changes the role and keeps every foreign tag in place', () => {
    const tags = ['hide-input', 'step:a', 'prev:b', 'limit:cpu:2', 'papermill-x'];
    expect(setRole(tags, 'skip')).toEqual(['skip', 'hide-input', 'papermill-x']);
    expect(setRole(tags, 'step', 'c')).toEqual(['step:c', 'hide-input', 'prev:b', 'limit:cpu:2', 'papermill-x']);
    expect(setRole(['skip', 'x'], 'none')).toEqual(['x']);
    expect(setRole([], 'parameters')).toEqual(['pipeline-parameters']);
  });

  it("renames a step keeping Kale's spelling", () => {
    expect(setStepName(['x', 'block:old', 'y'], 'new')).toEqual(['x', 'block:new', 'y']);
    expect(setStepName(['x'], 'first')).toEqual(['step:first', 'x']);
  });

  it('writes the configure dialog as tags and reads them back', () => {
    const tags = ['step:t', 'keep', 'limit:cpu:1', 'label:team:ml', 'limit:ephemeral-storage:1Gi'];
    const form = { ...readStepConfig(tags), memory: '4Gi', gpu: '1', retries: '2', timeout: '30m', cache: 'disabled' as const, after: ['load'] };
    expect(form.cpu).toBe('1');
    const written = writeStepConfig(tags, form);
    expect(written).toEqual([
      'step:t',
      'keep',
      'limit:cpu:1',
      'limit:memory:4Gi',
      'limit:nvidia.com/gpu:1',
      'retry:2',
      'timeout:30m',
      'cache:disabled',
      'prev:load',
      'label:team:ml',
      'limit:ephemeral-storage:1Gi'
    ]);
    expect(readStepConfig(written)).toEqual({ ...form, image: '' });
    expect(writeStepConfig(written, readStepConfig(['step:t']))).toEqual(['step:t', 'keep', 'label:team:ml', 'limit:ephemeral-storage:1Gi']);
  });

  it('names invalid values before they become tags', () => {
    const form = readStepConfig([]);
    expect(configProblems({ ...form, timeout: 'soon', retries: '-1', image: 'a b' })).toEqual([
      expect.stringMatching(/^image:a b: /),
      expect.stringMatching(/^retry:-1: /),
      expect.stringMatching(/^timeout:soon: /)
    ]);
  });
});
