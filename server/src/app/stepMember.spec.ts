import { stepMember } from './stepMember';

describe('stepMember (?item=N, ?rank=N, --item, --rank)', () => {
  it('reads an item or a rank', () => {
    expect(stepMember(undefined, undefined)).toBeUndefined();
    expect(stepMember('3', undefined)).toEqual({ group: 'items', index: 3 });
    expect(stepMember(undefined, '0')).toEqual({ group: 'ranks', index: 0 });
    // The CLI counts items from 1, as the sidebar shows them; ranks from 0 everywhere.
    expect(stepMember('1', undefined, 1)).toEqual({ group: 'items', index: 0 });
    expect(stepMember(undefined, '0', 1)).toEqual({ group: 'ranks', index: 0 });
    expect(() => stepMember('0', undefined, 1)).toThrow('items are counted from 1: there is no item 0');
  });

  it.each([
    ['-1', undefined, /item must be a whole number/],
    ['1e3', undefined, /item must be a whole number/],
    [undefined, ['1', '2'], /rank must be a whole number/],
    ['1', '1', /an item or a rank, not both/]
  ])('refuses item %p rank %p', (item, rank, message) => {
    expect(() => stepMember(item, rank)).toThrow(message);
  });
});
