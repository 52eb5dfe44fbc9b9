import { assignStepIds, MAX_STEP_ID, stepIdBase } from './stepIds';

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

describe('stepIdBase', () => {
  it.each([
    ['load_data', 'load-data'],
    ['Train Model!', 'train-model'],
    ['Évaluation', 'evaluation'],
    ['2nd pass', 'nd-pass'],
    ['"; rm -rf / #', 'rm-rf'],
    ['{{workflow.name}}', 'workflow-name'],
    ['$(whoami)', 'whoami'],
    ['../../etc', 'etc'],
    ['数据', 'step'],
    ['', 'step'],
    ['a'.repeat(100), 'a'.repeat(MAX_STEP_ID)]
  ])('%j -> %j', (name, id) => {
    expect(stepIdBase(name)).toBe(id);
    expect(id).toMatch(DNS_LABEL);
  });
});

describe('assignStepIds', () => {
  it('keeps ids unique when names fold to the same id', () => {
    const ids = assignStepIds(['Train', 'train', 'TRAIN!', '数据', '数', 'x'.repeat(60), 'x'.repeat(61)]);
    expect(ids).toEqual(['train', 'train-2', 'train-3', 'step', 'step-2', 'x'.repeat(40), 'x'.repeat(38) + '-2']);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id.length).toBeLessThanOrEqual(MAX_STEP_ID);
      expect(id).toMatch(DNS_LABEL);
    }
  });
});
