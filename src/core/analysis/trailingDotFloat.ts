/**
 * A workaround for @lezer/python 1.1.x, whose Number token needs a digit after the point: it
 * parses a float literal ending in '.' (`0.`, `1./255`, `[0. for i in x]`, `1.e5`) as a member
 * access on an integer, whose property name is then missing or swallows the next keyword. Python's
 * tokenizer is greedy: a '.' right after decimal digits always belongs to the number.
 */
import type { Tree } from '@lezer/common';

function isDecimalDigits(text: string): boolean {
  let digits = 0;
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') {
      digits++;
    } else if (ch !== '_') {
      return false;
    }
  }
  return digits > 0 && text[0] !== '_';
}

/**
 * Offsets of the '.' of every float literal lezer read as a member access: a MemberExpression whose
 * object is a decimal integer with the '.' right after it (`1 .real`, `0x1.`, `1.5.` are not).
 */
export function trailingDotOffsets(tree: Tree, code: string): number[] {
  const offsets: number[] = [];
  tree.iterate({
    enter: node => {
      if (node.name !== 'MemberExpression') {
        return;
      }
      const number = node.node.firstChild;
      const dot = number?.nextSibling;
      if (number?.name === 'Number' && dot?.name === '.' && number.to === dot.from && isDecimalDigits(code.slice(number.from, number.to))) {
        offsets.push(dot.from);
      }
    }
  });
  return offsets;
}

/**
 * The code lezer should parse: each such '.' replaced by '0', which keeps every offset and makes the
 * literal one Number token of the same kind (`1.` -> `10`, `1.e5` -> `10e5`, `1..real` -> `10.real`).
 * Only the tree comes from it; names and literal values are read from the original code.
 */
export function withFloatDotsAsDigits(code: string, offsets: readonly number[]): string {
  let patched = '';
  let start = 0;
  for (const offset of offsets) {
    patched += code.slice(start, offset) + '0';
    start = offset + 1;
  }
  return patched + code.slice(start);
}
