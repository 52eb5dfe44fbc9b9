import { spawnSync } from 'node:child_process';
import { pyLiteral, pyStr } from './pythonLiteral';

/** Evaluates literals in a real Python with ast.literal_eval and returns what Python saw, as JSON. */
function pythonSees(literals: string[]): unknown[] {
  const program = [
    'import ast, json, sys',
    'out = []',
    'for src in json.load(sys.stdin):',
    '    v = ast.literal_eval(src)',
    '    out.append(v)',
    // Python's json escapes lone surrogates as \\udxxx, as JavaScript's JSON.parse expects.
    'sys.stdout.write(json.dumps(out))'
  ].join('\n');
  const result = spawnSync('python3', ['-c', program], { input: JSON.stringify(literals), encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(result.stderr);
  }
  return JSON.parse(result.stdout);
}

const HOSTILE = [
  '',
  "'",
  '"',
  "'''",
  '"""',
  '\\',
  'ends with backslash\\',
  "x'; import os; os.system('echo pwned'); '",
  'line\nbreak\r\nand\ttab',
  '\u2028 line separator \u2029',
  '\u0000 nul \u0007 bell \u007f del',
  '{{workflow.name}} $(whoami) `id` ${HOME}',
  'unicode: é ü 数据 🚀',
  'lone high \ud800 and low \udc00 surrogates',
  '\\N{BULLET} \\x41 \\u0041'
];

describe('pyStr', () => {
  it('gives Python exactly the string, for hostile strings', () => {
    expect(pythonSees(HOSTILE.map(pyStr))).toEqual(HOSTILE);
  });

  it('writes pure printable ASCII', () => {
    for (const s of HOSTILE) {
      expect(pyStr(s)).toMatch(/^[\x20-\x7e]*$/);
    }
  });

  it('round-trips random strings', () => {
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const strings = Array.from({ length: 300 }, () =>
      Array.from({ length: Math.floor(random() * 20) }, () => String.fromCharCode(Math.floor(random() * 0xffff))).join('')
    );
    expect(pythonSees(strings.map(pyStr))).toEqual(strings);
  });
});

describe('pyLiteral', () => {
  it('writes JSON values as equal Python values', () => {
    const value = {
      step: 'it\'s "quoted"\n',
      n: 3,
      f: -2.5,
      big: 1e300,
      flags: [true, false, null],
      nested: { "key with ' quote": [[], {}, ['x']] }
    };
    expect(pythonSees([pyLiteral(value)])).toEqual([value]);
  });
});
