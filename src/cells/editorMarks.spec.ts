import { Text } from '@codemirror/state';
import { markRange, toLintDiagnostics } from './editorMarks';

describe('diagnostics as editor marks', () => {
  const doc = Text.of(['x = undefined_name + 1', 'print(ÿ_2)', '', '    raise RuntimeError("no")']);
  const covered = (line: number, column: number): string => {
    const { from, to } = markRange(doc, line, column);
    return doc.sliceString(from, to);
  };

  it('covers the name or token at the line and column', () => {
    expect(covered(1, 5)).toBe('undefined_name');
    expect(covered(2, 7)).toBe('ÿ_2');
    expect(covered(1, 20)).toBe('+');
    expect(covered(4, 5)).toBe('raise');
    expect(covered(4, 1)).toBe('    raise RuntimeError("no")'); // at whitespace: the rest of the line
  });

  it('stays inside the document when the analysis lags the typing', () => {
    expect(covered(99, 1)).toBe('    raise RuntimeError("no")');
    expect(covered(1, 999)).toBe('');
    expect(covered(3, 1)).toBe('');
    expect(covered(0, 0)).toBe('x');
  });

  it('keeps severity and message, and names the diagnostic code as the source', () => {
    const [d] = toLintDiagnostics(doc, [
      { severity: 'warning', code: 'undefined-name', message: 'name is not defined', cell: 0, line: 1, column: 5 }
    ]);
    expect(d).toEqual({ from: 4, to: 18, severity: 'warning', message: 'name is not defined', source: 'cellpipe: undefined-name' });
  });
});
