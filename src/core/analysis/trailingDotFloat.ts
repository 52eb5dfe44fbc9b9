/**
 * A workaround for @lezer/python 1.1.x, whose Number token needs a digit after the point: a float
 * literal ending in '.' (`0.`, `1./255`, `f(1., 2.)`) is parsed as a member access on an integer
 * with its property name missing, an error node where the name would be. Python reads one token
 * there, a float, so that shape is not a syntax error and its value is a number.
 */
import type { SyntaxNode } from '@lezer/common';

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
 * Whether `node` is lezer's reading of a float literal ending in '.': a MemberExpression of a
 * decimal integer, a '.' right after it, then (past any spaces and comments lezer skipped) an empty
 * error node where the property name would be. `1 .` and `0x1.` stay errors, as in Python.
 */
export function isTrailingDotFloat(node: SyntaxNode, code: string): boolean {
  if (node.name !== 'MemberExpression') {
    return false;
  }
  const number = node.firstChild;
  const dot = number?.nextSibling;
  if (number?.name !== 'Number' || dot?.name !== '.' || number.to !== dot.from || !isDecimalDigits(code.slice(number.from, number.to))) {
    return false;
  }
  let missing = dot.nextSibling;
  while (missing?.name === 'Comment') {
    missing = missing.nextSibling;
  }
  return missing !== null && missing.type.isError && missing.from === missing.to && missing.nextSibling === null;
}
