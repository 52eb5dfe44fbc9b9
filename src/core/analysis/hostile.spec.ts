/** Hostile input: a diagnostic each, never a crash (and no stack overflow). */
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
