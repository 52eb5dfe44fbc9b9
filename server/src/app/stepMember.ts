/**
 * `?item=N` / `?rank=N` of a step's log (and the CLI's `--item` / `--rank`): which item of a
 * fan-out step or which worker of a distributed step, checked to be a whole number.
 */
import type { StepMember } from '../../../src/core/run/types';
import { CellpipeError } from '../errors';

export function stepMember(item: unknown, rank: unknown): StepMember | undefined {
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
  return { group, index: Number(text) };
}
