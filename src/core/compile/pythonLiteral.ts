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

/**
 * A single-quoted Python str literal equal to `text`. Printable ASCII stays as it is; everything
 * else is escaped (\\xhh, \\uhhhh, \\Uhhhhhhhh), so the script is pure ASCII and a lone surrogate or a
 * line separator cannot change how Python tokenises it.
 */
export function pyStr(text: string): string {
  let out = "'";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (SIMPLE_ESCAPES[ch]) {
      out += SIMPLE_ESCAPES[ch];
    } else if (code >= 0x20 && code < 0x7f) {
      out += ch;
    } else if (code < 0x100) {
      out += '\\x' + hex(code, 2);
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        out += '\\U' + hex(0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00), 8);
        i++;
      } else {
        out += '\\u' + hex(code, 4);
      }
    } else {
      out += '\\u' + hex(code, 4);
    }
  }
  return out + "'";
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
