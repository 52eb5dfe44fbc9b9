/**
 * Evaluates Python literals (the values a `pipeline-parameters` cell may hold) from their syntax
 * nodes: numbers, strings, True/False/None and lists, tuples and dicts of those.
 */
import type { SyntaxNode } from '@lezer/common';

export interface LiteralValue {
  /** Python type name. */
  type: string;
  value: unknown;
}

/** Thrown (and caught by the caller) when a node is not a literal this module can evaluate. */
export class NotALiteral extends Error {}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v'
};

/** Decodes one Python string literal (prefix, quotes and escapes), e.g. `r'a\b'` or `"x\n"`. */
export function decodeStringLiteral(text: string): string {
  const prefix = /^[a-zA-Z]*/.exec(text)![0].toLowerCase();
  if (prefix.includes('b') || prefix.includes('f')) {
    throw new NotALiteral('bytes and f-strings are not literal values');
  }
  const body = text.slice(prefix.length);
  const quote = body.startsWith('"""') || body.startsWith("'''") ? body.slice(0, 3) : body[0];
  const inner = body.slice(quote.length, body.length - quote.length);
  if (prefix.includes('r')) {
    return inner;
  }
  return inner.replace(/\\(N\{[^}]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[\s\S])/g, (escape, code: string) => {
    if (code in SIMPLE_ESCAPES) {
      return SIMPLE_ESCAPES[code];
    }
    if (/^[xuU]/.test(code)) {
      return String.fromCodePoint(parseInt(code.slice(1), 16));
    }
    if (/^[0-7]/.test(code)) {
      return String.fromCodePoint(parseInt(code, 8));
    }
    return escape; // \N{...} and unknown escapes stay as written
  });
}

function parseNumber(text: string, negative: boolean): LiteralValue {
  const clean = text.replace(/_/g, '').toLowerCase();
  if (clean.endsWith('j')) {
    throw new NotALiteral('complex numbers cannot be parameters');
  }
  const isInt = /^(0[xob][0-9a-f]+|\d+)$/.test(clean);
  const value = isInt
    ? clean.startsWith('0x') || clean.startsWith('0o') || clean.startsWith('0b')
      ? parseInt(clean.slice(2), { x: 16, o: 8, b: 2 }[clean[1]]!)
      : Number(clean)
    : Number(clean);
  if (isInt && !Number.isSafeInteger(value)) {
    throw new NotALiteral('the integer is too large to pass exactly; write it as a string');
  }
  if (!Number.isFinite(value)) {
    throw new NotALiteral(`${text} is beyond the range of a float (Python reads it as inf, which JSON and YAML cannot carry); write a finite number`);
  }
  return { type: isInt ? 'int' : 'float', value: negative ? -value : value };
}

function elements(node: SyntaxNode, text: (node: SyntaxNode) => string): LiteralValue[] {
  const result: LiteralValue[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (!['(', ')', '[', ']', ','].includes(child.name)) {
      result.push(evaluateLiteral(child, text));
    }
  }
  return result;
}

export function evaluateLiteral(node: SyntaxNode, text: (node: SyntaxNode) => string): LiteralValue {
  switch (node.name) {
    case 'Number':
      return parseNumber(text(node), false);
    case 'UnaryExpression': {
      const [operator, operand] = [node.firstChild, node.lastChild];
      if (operator && operand?.name === 'Number' && (text(operator) === '-' || text(operator) === '+')) {
        return parseNumber(text(operand), text(operator) === '-');
      }
      break;
    }
    case 'String':
      return { type: 'str', value: decodeStringLiteral(text(node)) };
    case 'ContinuedString': {
      const parts = elements(node, text);
      return { type: 'str', value: parts.map(part => part.value).join('') };
    }
    case 'Boolean':
      return { type: 'bool', value: text(node) === 'True' };
    case 'None':
      return { type: 'NoneType', value: null };
    case 'ParenthesizedExpression':
      return evaluateLiteral(node.firstChild!.nextSibling!, text);
    case 'ArrayExpression':
    case 'TupleExpression':
      return { type: node.name === 'ArrayExpression' ? 'list' : 'tuple', value: elements(node, text).map(e => e.value) };
    case 'DictionaryExpression': {
      const value: Record<string, unknown> = {};
      let key: LiteralValue | null = null;
      for (let child = node.firstChild; child; child = child.nextSibling) {
        if (['{', '}', ',', ':'].includes(child.name)) {
          continue;
        }
        if (child.name === '**') {
          break;
        }
        const item = evaluateLiteral(child, text);
        if (key === null) {
          if (item.type !== 'str') {
            throw new NotALiteral('dictionary keys must be strings');
          }
          key = item;
        } else {
          value[key.value as string] = item.value;
          key = null;
        }
      }
      return { type: 'dict', value };
    }
  }
  throw new NotALiteral('it is not a literal');
}
