/**
 * A fan-out step's message when one of its items failed, as every backend words it: which item
 * (counted from 1, as people count), of how many, how many others failed too, and the item's own
 * account (the runtime's message, or where to look).
 */
export function failedItemMessage(index: number, count: number, account: string, othersFailed = 0): string {
  const others = othersFailed > 0 ? ` (${othersFailed} other item${othersFailed > 1 ? 's' : ''} failed too)` : '';
  return `item ${index + 1} of ${count} failed${others}: ${account}`;
}
