/** Hostile input: a diagnostic each, never a crash (and no stack overflow). */
import { spawnSync } from 'node:child_process';
import { notebookJson, step } from '../__fixtures__/notebookBuilder';
import { Analyzer, analyzeNotebook } from './analyzer';

const codes = (input: unknown): string[] => analyzeNotebook(input).diagnostics.map(d => d.code);

describe('hostile input', () => {
  test('malformed JSON', () => {
    expect(codes('{"nbformat": 4, "cells": [}')).toEqual(['invalid-json']);
  });

  test('nbformat 3', () => {
    expect(codes(JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [{ cells: [] }] }))).toEqual(['unsupported-nbformat']);
  });

  test('not a notebook at all', () => {
    for (const input of [null, 42, 'null', '"text"', [], { cells: 'x' }]) {
      expect(analyzeNotebook(input).diagnostics[0].severity).toBe('error');
    }
  });

  test('cells with syntax errors do not stop the rest of the notebook', () => {
    const result = analyzeNotebook(
      notebookJson([step('a', 'x = 1'), step('b', 'def broken(:\n    pass\ny = x +'), step('c', 'z = x * 2\nprint(z)')])
    );
    expect(result.diagnostics.map(d => [d.code, d.cell])).toEqual([['syntax-error', 1]]);
    expect(result.steps.find(s => s.name === 'c')?.inputs).toEqual(['x']);
  });

  test('a 10 MB cell', () => {
    const line = 'value_0 = compute(value_1, [1, 2, 3], "text") + other * 2\n';
    const big = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length));
    const result = analyzeNotebook(notebookJson([step('big', big), step('after', 'print(value_0)')]));
    expect(result.steps.find(s => s.name === 'after')?.inputs).toEqual(['value_0']);
    expect(result.diagnostics.map(d => d.code)).toEqual(['undefined-name', 'undefined-name', 'undefined-name']);
  }, 120_000);

  test.each([
    ['parentheses', (n: number) => 'x = ' + '('.repeat(n) + 'y' + ')'.repeat(n)],
    ['lists', (n: number) => 'x = ' + '['.repeat(n) + 'y' + ']'.repeat(n)],
    ['calls', (n: number) => 'x = ' + 'f('.repeat(n) + 'y' + ')'.repeat(n)],
    ['binary operators', (n: number) => 'x = ' + Array.from({ length: n }, (_, i) => `v${i % 7}`).join(' + ')],
    ['nested blocks', (n: number) => Array.from({ length: n }, (_, i) => ' '.repeat(i) + 'if c:').join('\n') + '\n' + ' '.repeat(n) + 'x = y']
  ])('5,000 nested %s', (_label, make) => {
    const result = analyzeNotebook(
      notebookJson([step('a', 'y = 1\nc = f = v0 = v1 = v2 = v3 = v4 = v5 = v6 = 0'), step('deep', make(5000)), step('use', 'print(x)')])
    );
    expect(result.steps).toHaveLength(3);
    expect(result.steps[1].inputs.length).toBeGreaterThan(0);
    for (const d of result.diagnostics) {
      expect(['nesting-too-deep', 'syntax-error', 'undefined-name']).toContain(d.code);
    }
  });

  test('unicode identifiers', () => {
    const result = analyzeNotebook(notebookJson([step('données', 'température = 21.5\nπ = 3.14'), step('résultat', 'print(température * π)')]));
    expect(result.steps[1]).toMatchObject({ dependsOn: ['données'], inputs: ['température', 'π'] });
    expect(result.diagnostics).toEqual([]);
  });

  test('tags with odd characters', () => {
    const odd = ['step:it\'s "quoted"', 'step:line\nbreak', 'step:{{ template }}', 'step:$(whoami)', 'step:🚀 launch', 'prev:🦄', 'label:k:\u0000'];
    const result = analyzeNotebook(notebookJson(odd.map((tag, i) => ({ code: `v${i} = ${i}`, tags: [tag] }))));
    expect(result.diagnostics.length).toBeGreaterThanOrEqual(odd.length);
    expect(result.steps.map(s => s.name)).toEqual(['it\'s "quoted"', '{{ template }}', '$(whoami)', '🚀 launch']);
  });

  test('an empty notebook and empty cells', () => {
    expect(analyzeNotebook(notebookJson([])).steps).toEqual([]);
    expect(analyzeNotebook(notebookJson(['', '   \n'])).steps.map(s => s.name)).toEqual(['main']);
  });
});

/** What CPython's compile() says of each source: null, or the name of the exception it raises. */
function cpythonVerdicts(sources: string[]): (string | null)[] {
  const program = [
    'import json, sys',
    'out = []',
    'for source in json.load(sys.stdin):',
    '    try:',
    '        compile(source, "<cell>", "exec")',
    '        out.append(None)',
    '    except Exception as error:',
    '        out.append(type(error).__name__)',
    'print(json.dumps(out))'
  ].join('\n');
  const result = spawnSync('python3', ['-c', program], { input: JSON.stringify(sources), encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as (string | null)[];
}

/** The cell's errors, but for names it uses undefined (these sources are fragments). */
const errorsOf = (code: string): { code: string; line: number; column: number }[] =>
  analyzeNotebook(notebookJson([step('a', code)]))
    .diagnostics.filter(d => d.severity === 'error' && d.code !== 'undefined-name')
    .map(d => ({ code: d.code, line: d.line, column: d.column }));

describe('code CPython refuses: an error at analysis time, at its line and column', () => {
  // lezer reports some indentation errors as syntax errors itself; the others are cellpipe's checks.
  const refused: [label: string, source: string, code: string, line: number, column: number][] = [
    ['a dedent to no enclosing level', 'if x:\n    a = 1\n  b = 2\n', 'indentation-error', 3, 3],
    ['an indented line after a statement', 'x = 1\n    y = 2\n', 'indentation-error', 2, 5],
    ['a cell starting indented', '  x = 1\n', 'indentation-error', 1, 3],
    ['a deeper line inside a block', 'def f():\n    a = 1\n        b = 2\n', 'syntax-error', 3, 1],
    ['else at another level than its if', 'if x:\n    a = 1\n  else:\n    b = 2\n', 'syntax-error', 3, 1],
    ['except under-indented in a function', 'def f():\n    try:\n        a\n   except E:\n        b\n', 'syntax-error', 4, 4],
    ['a decorated def off its decorator', '@d\n  def f():\n    pass\n', 'indentation-error', 2, 3],
    ['a case deeper than the one before', 'match x:\n    case 1:\n        a\n      case 2:\n        b\n', 'syntax-error', 4, 1],
    ['a tab and 8 spaces in one block', 'if x:\n\ta = 1\n        b = 2\n', 'indentation-error', 3, 9],
    ['a raw NUL in a string literal', 'x = "a\u0000b"\n', 'unrunnable-character', 1, 7],
    ['a raw NUL in a comment', 'x = 1  # \u0000\n', 'unrunnable-character', 1, 10],
    ['a lone high surrogate in a string', 'x = "\ud800"\n', 'unrunnable-character', 1, 6],
    ['a lone low surrogate in a name', 'y = 1\nx\udc00 = 2\n', 'unrunnable-character', 2, 2]
  ];

  test.each(refused)('%s', (_label, source, code, line, column) => {
    expect(errorsOf(source)).toEqual([{ code, line, column }]);
  });

  test('CPython refuses each of them', () => {
    expect(cpythonVerdicts(refused.map(([, source]) => source)).map(verdict => verdict !== null)).toEqual(refused.map(() => true));
  });

  const accepted = [
    'if x:\n    a = 1\nelif y:\n  b = 2\nelse:\n\tc = 3\n',
    'x = (1,\n  2,\n      3)\ny = [\n1]\n',
    'x = 1 + \\\n    2\n',
    'if x:\n    a = 1\n  # a comment anywhere\n    b = 2\n',
    'def f():\n    s = """\nno indentation\n  inside"""\n    return s\n',
    'if x: a = 1; b = 2\nclass C: pass\n',
    '@d\n@e(1)\ndef f():\n    pass\n\nasync def g():\n    async with a:\n        pass\n',
    'try:\n    a\nexcept E as e:\n    b\nelse:\n    c\nfinally:\n    d\n',
    'match x:\n    case 1:\n        a\n    case _:\n        b\nwhile y:\n    pass\nelse:\n    pass\n',
    'if x:\n\tif y:\n\t\ta = 1\n\tb = 2\n',
    'x = "\\0 and \\ud800 as escapes"\ny = "\ud83d\ude80"\n',
    'if x:\r\n    a = 1\r\n    b = 2\r\n'
  ];

  test('code CPython compiles gets no error', () => {
    expect(cpythonVerdicts(accepted)).toEqual(accepted.map(() => null));
    expect(accepted.map(errorsOf)).toEqual(accepted.map(() => []));
  });
});

describe('notebook text no generated file can encode: an error naming where it is', () => {
  test('a lone surrogate in a step name and in a prev: tag', () => {
    const result = analyzeNotebook(notebookJson([step('load\ud800', 'x = 1'), { code: 'print(x)', tags: ['step:use', 'prev:\udc00'] }]));
    expect(result.diagnostics.filter(d => d.code === 'unencodable-text').map(d => [d.cell, d.severity])).toEqual([
      [0, 'error'],
      [1, 'error']
    ]);
  });

  test('a lone surrogate in a notebook setting names its path', () => {
    const result = analyzeNotebook(
      notebookJson([step('a', 'x = 1')], { cellpipe: { pipeline: { description: 'ok', labels: { team: 'a\ud800' } } } })
    );
    const found = result.diagnostics.filter(d => d.code === 'unencodable-text');
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain('metadata.cellpipe.pipeline.labels.team');
  });

  test('a surrogate pair (an emoji) is not a lone surrogate', () => {
    const result = analyzeNotebook(notebookJson([step('🚀', 'x = "🚀"')], { cellpipe: { pipeline: { description: '🚀' } } }));
    expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
  });
});

describe('parameters no target can pass', () => {
  test.each(['1e400', '-1e400', '[1.0, 2e308]', '{"k": 1e999}'])('%s is a non-literal-parameter error', value => {
    const result = analyzeNotebook(notebookJson([{ code: `p = ${value}`, tags: ['pipeline-parameters'] }, step('a', 'print(p)')]));
    const errors = result.diagnostics.filter(d => d.severity === 'error');
    expect(errors.map(d => d.code)).toEqual(['non-literal-parameter']);
    expect(errors[0].message).toContain('beyond the range of a float');
    expect(result.parameters).toEqual([]);
  });

  test('the largest finite float is a parameter', () => {
    const result = analyzeNotebook(notebookJson([{ code: 'p = 1.7976931348623157e308', tags: ['pipeline-parameters'] }, step('a', 'print(p)')]));
    expect(result.parameters.map(p => p.default)).toEqual([Number.MAX_VALUE]);
  });
});

describe('incremental analysis', () => {
  test('re-analysing after one cell changed parses only that cell', () => {
    const cells = Array.from({ length: 30 }, (_, i) => step(`s${i}`, `v${i} = ${i > 0 ? `v${i - 1} + 1` : '0'}`));
    const analyzer = new Analyzer();
    const first = analyzer.analyze(notebookJson(cells));
    expect(analyzer.parsedCells).toBe(30);
    analyzer.analyze(notebookJson(cells));
    expect(analyzer.parsedCells).toBe(30);
    cells[10] = step('s10', 'v10 = 100');
    const edited = analyzer.analyze(notebookJson(cells));
    expect(analyzer.parsedCells).toBe(31);
    expect(first.steps[10].inputs).toEqual(['v9']);
    expect(edited.steps[10].inputs).toEqual([]);
    expect(edited.steps[10].dependsOn).toEqual([]);
  });
});
