import { analyzeCell, summarizeCell } from './cellFacts';
import { parsePython } from './python';
import { isTrailingDotFloat } from './trailingDotFloat';

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
    'c = 1. # one\nd = 2'
  ])('%s is valid Python', code => {
    expect(codes(code)).toEqual([]);
  });

  test.each(['x = 1 .', 'x = 0x1.', 'x = 1.5.', 'x.', 'x = (1.', 'x = 1. 5'])('%s is still a syntax error', code => {
    expect(codes(code)).toContain('syntax-error');
  });

  test('the literal is a number: its names are the ones around it, its value immutable', () => {
    const facts = analyzeCell('x = y / 1./255\na = 0.\nb = x.real', { prelude: false });
    expect(summarizeCell(0, facts).reads).toEqual(['y']);
    expect(facts.bindings.find(b => b.name === 'a')?.value).toBe('immutable');
  });

  test('only the shape lezer gives such a literal matches, not a member access', () => {
    const code = 'x.real\n1..real\n1.';
    const members: [string, boolean][] = [];
    parsePython(code).iterate({
      enter: node => {
        if (node.name === 'MemberExpression') {
          members.push([code.slice(node.from, node.to), isTrailingDotFloat(node.node, code)]);
        }
      }
    });
    expect(members).toEqual([
      ['x.real', false],
      ['1..real', false],
      ['1.', true],
      ['1.', true]
    ]);
  });
});
