import { parser } from '@lezer/python';
import { analyzeCell, summarizeCell } from './cellFacts';
import { readParameters } from './parameters';
import { trailingDotOffsets, withFloatDotsAsDigits } from './trailingDotFloat';

/** The diagnostic codes of a cell analysed on its own. */
const codes = (code: string): string[] => analyzeCell(code, { prelude: false }).diagnostics.map(d => d.code);

describe('float literals ending in "." (@lezer/python 1.1.x reads them as a member access)', () => {
  test.each([
    'x = y / 1./255',
    'a = 0.',
    'f(1., 2.)',
    'q = [1., 2.]\nr = 3',
    'v = 1_000. + 2',
    'w = 1..real',
    'h = 1.; k = 2',
    'c = 1. # one\nd = 2',
    'zs = list(0. for i in range(10))',
    'e = 1.e5 if ok else 2.'
  ])('%s is valid Python', code => {
    expect(codes(code)).toEqual([]);
  });

  test.each(['x = 1 .', 'x = 0x1.', 'x = 1.5.', 'x.', 'x = (1.', 'x = 1. 5', 'x = 1.real'])('%s is still a syntax error', code => {
    expect(codes(code)).toContain('syntax-error');
  });

  test('the literal is a number: the names are the ones around it, the value immutable', () => {
    const facts = analyzeCell('x = y / 1./255\na = 0.\nb = x.real\nzs = [0. for i in range(n)]', { prelude: false });
    expect(summarizeCell(0, facts).reads.sort()).toEqual(['n', 'range', 'y']);
    expect(facts.bindings.find(b => b.name === 'a')?.value).toBe('immutable');
  });

  test('a parameter written 1. is the float 1, read from the original code', () => {
    expect(readParameters('LR = 1.\nSTEPS = 10').parameters.map(p => [p.name, p.type, p.default])).toEqual([
      ['LR', 'float', 1],
      ['STEPS', 'int', 10]
    ]);
  });

  test("only a '.' glued to a decimal integer is the literal's; every offset is kept", () => {
    const code = 'x.real + 1 .real + 1..real + 1. + 0x1 + 1.5';
    const offsets = trailingDotOffsets(parser.parse(code), code);
    expect(offsets).toEqual([code.indexOf('1..') + 1, code.indexOf('1. ') + 1]);
    expect(withFloatDotsAsDigits(code, offsets)).toBe('x.real + 1 .real + 10.real + 10 + 0x1 + 1.5');
  });
});
