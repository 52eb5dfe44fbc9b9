import { configProblems, readStepConfig, writeStepConfig } from './stepConfigTags';

describe('step configuration tags', () => {
  it('writes the configure dialog as tags and reads them back', () => {
    const tags = ['step:t', 'keep', 'limit:cpu:1', 'label:team:ml', 'limit:ephemeral-storage:1Gi'];
    const form = {
      ...readStepConfig(tags),
      memory: '4Gi',
      gpu: '1',
      retries: '2',
      timeout: '30m',
      cache: 'disabled' as const,
      after: ['load'],
      foreach: 'folds',
      itemsAtOnce: '4'
    };
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
      'foreach:folds:4',
      'label:team:ml',
      'limit:ephemeral-storage:1Gi'
    ]);
    expect(readStepConfig(written)).toEqual({ ...form, image: '' });
    expect(writeStepConfig(written, readStepConfig(['step:t']))).toEqual(['step:t', 'keep', 'label:team:ml', 'limit:ephemeral-storage:1Gi']);
  });

  it('names invalid values before they become tags', () => {
    const form = readStepConfig([]);
    expect(configProblems({ ...form, timeout: 'soon', retries: '-1', image: 'a b', foreach: 'my list', itemsAtOnce: '0' })).toEqual([
      expect.stringMatching(/^image:a b: /),
      expect.stringMatching(/^retry:-1: /),
      expect.stringMatching(/^timeout:soon: /),
      expect.stringMatching(/^foreach:my list:0: write it as foreach:NAME/)
    ]);
  });
});
