import { readTags } from './cellTags';

describe('readTags', () => {
  it('keeps the string tags of a list, in order', () => {
    expect(readTags(['step:a', 3, 'skip', null])).toEqual(['step:a', 'skip']);
  });

  it('reads anything but a list as no tags', () => {
    expect(readTags(undefined)).toEqual([]);
    expect(readTags('step:a')).toEqual([]);
    expect(readTags({ 0: 'step:a' })).toEqual([]);
  });
});
