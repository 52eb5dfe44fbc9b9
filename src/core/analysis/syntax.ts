/** Helpers over @lezer/python syntax nodes: children, target roots, and what an assigned value is. */
import type { SyntaxNode } from '@lezer/common';
import type { ValueKind } from './types';

const FILE_OPENERS = new Set(['open', 'io.open', 'gzip.open', 'bz2.open', 'lzma.open', 'codecs.open']);
const IMMUTABLE_LEAVES = new Set(['Number', 'String', 'FormatString', 'ContinuedString', 'Boolean', 'None', 'Ellipsis']);

export const COMPREHENSIONS: ReadonlySet<string> = new Set([
  'ComprehensionExpression',
  'ArrayComprehensionExpression',
  'SetComprehensionExpression',
  'DictionaryComprehensionExpression'
]);

export function children(node: SyntaxNode): SyntaxNode[] {
  const result: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    result.push(child);
  }
  return result;
}

/** Splits nodes on separator nodes named `separator` (used for `,` and `=`). */
export function split(nodes: readonly SyntaxNode[], isSeparator: (node: SyntaxNode) => boolean): SyntaxNode[][] {
  const parts: SyntaxNode[][] = [[]];
  for (const node of nodes) {
    if (isSeparator(node)) {
      parts.push([]);
    } else {
      parts[parts.length - 1].push(node);
    }
  }
  return parts.filter(part => part.length > 0);
}

/**
 * The items of a literal tuple or list, when the value (nodes of a comma-separated list) is one:
 * `xs, ys` or `(xs, ys)` or `[xs, ys]`; null for any other value.
 */
export function displayItems(value: readonly SyntaxNode[]): SyntaxNode[][] | null {
  if (value.length !== 1) {
    return split(value, n => n.name === ',');
  }
  const node = value[0];
  if (node.name === 'TupleExpression' || node.name === 'ArrayExpression') {
    return split(children(node).slice(1, -1), n => n.name === ',');
  }
  return null;
}

/** The name at the root of `a.b[c].d()`-style chains, or null. */
export function rootNode(node: SyntaxNode): SyntaxNode | null {
  let current: SyntaxNode | null = node;
  while (current && (current.name === 'MemberExpression' || current.name === 'CallExpression' || current.name === 'ParenthesizedExpression')) {
    if (current.name === 'CallExpression' && current.firstChild?.name === 'VariableName') {
      return null; // f(x).attr = 1 changes what f returned, not f
    }
    current = current.name === 'ParenthesizedExpression' ? (current.firstChild?.nextSibling ?? null) : current.firstChild;
  }
  return current && current.name === 'VariableName' ? current : null;
}

/** What statically known kind of value an assigned expression (list) produces. */
export function valueKind(value: SyntaxNode[], code: string): [ValueKind, string | null] {
  if (value.length !== 1) {
    const items = value.filter(n => n.name !== ',');
    return items.length > 0 && items.every(n => valueKind([n], code)[0] === 'immutable') ? ['immutable', null] : ['unknown', null];
  }
  const node = value[0];
  if (IMMUTABLE_LEAVES.has(node.name)) {
    return ['immutable', null];
  }
  switch (node.name) {
    case 'UnaryExpression':
      return node.getChild('Number') ? ['immutable', null] : ['unknown', null];
    case 'TupleExpression':
      return valueKind(children(node).slice(1, -1), code);
    case 'ParenthesizedExpression':
      return valueKind(children(node).slice(1, -1), code);
    case 'LambdaExpression':
      return ['lambda', null];
    case 'ComprehensionExpression':
      return ['generator', null];
    case 'CallExpression': {
      const callee = node.firstChild!;
      const text = code.slice(callee.from, callee.to);
      if (FILE_OPENERS.has(text)) {
        return ['file', null];
      }
      return callee.name === 'VariableName' ? ['call', text] : ['unknown', null];
    }
    default:
      return ['unknown', null];
  }
}
