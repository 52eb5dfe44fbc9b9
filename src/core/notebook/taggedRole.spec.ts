import { taggedRole, setRole, setStepName } from './taggedRole';

describe('cell roles from tags', () => {
  it('reads roles, Kale spellings included', () => {
    expect(taggedRole(['foo', 'step:train'])).toEqual({ role: 'step', step: 'train' });
    expect(taggedRole(['block:load'])).toEqual({ role: 'step', step: 'load' });
    expect(taggedRole(['parameters'])).toEqual({ role: 'parameters', step: null });
    expect(taggedRole(['pipeline-metrics'])).toEqual({ role: 'metrics', step: null });
    expect(taggedRole(['hide-input'])).toEqual({ role: 'none', step: null });
    expect(taggedRole(['step:'])).toEqual({ role: 'none', step: null });
  });

  it("replaces Kale's empty step: tag when the cell gets a role", () => {
    expect(setRole(['step:', 'x'], 'step', 'train')).toEqual(['step:train', 'x']);
    expect(setStepName(['x', 'step:'], 'train')).toEqual(['x', 'step:train']);
    expect(setRole(['step:'], 'skip')).toEqual(['skip']);
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
});
