/**
 * `?item=N` / `?rank=N` of a step's log (and the CLI's `--item` / `--rank`): which item of a
 * fan-out step or which worker of a distributed step, checked to be a whole number. Ranks count
 * from 0 everywhere (torchrun's RANK); items from 0 in the HTTP API (an index, as in JSON) and
 * from `firstItem` where a person gives one (the CLI: 1, as the sidebar counts them).
 */
import type { StepMember } from '../../../src/core/run/types';
import { CellpipeError } from '../errors';

export function stepMember(item: unknown, rank: unknown, firstItem = 0): StepMember | undefined {
  if (item !== undefined && rank !== undefined) {
    throw new CellpipeError('invalid', 'ask for an item or a rank, not both');
  }
  const [group, text] = item !== undefined ? (['items', item] as const) : rank !== undefined ? (['ranks', rank] as const) : [undefined, undefined];
  if (group === undefined) {
    return undefined;
  }
  if (typeof text !== 'string' || !/^\d{1,6}$/.test(text)) {
    throw new CellpipeError('invalid', `${group === 'items' ? 'item' : 'rank'} must be a whole number (0, 1, ...), got ${JSON.stringify(text)}`);
  }
  const index = Number(text) - (group === 'items' ? firstItem : 0);
  if (index < 0) {
    throw new CellpipeError('invalid', `items are counted from ${firstItem}: there is no item ${text}`);
  }
  return { group, index };
}
