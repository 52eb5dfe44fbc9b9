/**
 * Python source literals for values cellpipe puts into generated scripts. User strings (cell code,
 * names, parameter values) reach Python only through these, never pasted raw into code.
 */

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t'
};

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** A surrogate pair, or one UTF-16 unit outside printable ASCII, or ' or \. */
const NEEDS_ESCAPE = /[\ud800-\udbff][\udc00-\udfff]|[^\x20-\x26\x28-\x5b\x5d-\x7e]/g;

/**
 * A single-quoted Python str literal equal to `text`. Printable ASCII stays as it is; everything
 * else is escaped (\\xhh, \\uhhhh, \\Uhhhhhhhh), so the script is pure ASCII and a lone surrogate or a
 * line separator cannot change how Python tokenises it.
 */
export function pyStr(text: string): string {
  // Runs of printable ASCII other than ' and \ stay as they are; the regular expression finds the
  // rest (a surrogate pair as one match), so a long text of plain code is copied, not rebuilt
  // character by character (the step payload is ~60 KB of base64 in every compile).
  return `'${text.replace(NEEDS_ESCAPE, escapeOne)}'`;
}

function escapeOne(found: string): string {
  const simple = SIMPLE_ESCAPES[found];
  if (simple) {
    return simple;
  }
  const code = found.charCodeAt(0);
  if (found.length === 2) {
    return '\\U' + hex(0x10000 + ((code - 0xd800) << 10) + (found.charCodeAt(1) - 0xdc00), 8);
  }
  return code < 0x100 ? '\\x' + hex(code, 2) : '\\u' + hex(code, 4);
}

/** A Python literal (dict, list, str, int/float, True/False/None) equal to a JSON value. */
export function pyLiteral(value: unknown, indent = ''): string {
  if (value === null || value === undefined) {
    return 'None';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      return Number.isNaN(value) ? "float('nan')" : value > 0 ? "float('inf')" : "float('-inf')";
    }
    return Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER ? value.toFixed(0) : String(value);
  }
  if (typeof value === 'string') {
    return pyStr(value);
  }
  const inner = indent + '    ';
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return '[]';
    }
    return `[\n${value.map(v => inner + pyLiteral(v, inner)).join(',\n')},\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) {
      return '{}';
    }
    return `{\n${entries.map(([k, v]) => `${inner}${pyStr(k)}: ${pyLiteral(v, inner)}`).join(',\n')},\n${indent}}`;
  }
  throw new Error(`cannot write a ${typeof value} as a Python literal`);
}
