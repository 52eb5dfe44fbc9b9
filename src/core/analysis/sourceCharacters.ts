/**
 * Characters CPython refuses in source code although @lezer/python parses them: a NUL (CPython:
 * "source code cannot contain null bytes") and a lone UTF-16 surrogate, which no UTF-8 file or
 * Python `compile()` can hold ("surrogates not allowed"). Each would fail the cell only when run.
 */
import { diagnostic, loneSurrogateAt, type Diagnostic } from '../notebook';
import { LineIndex } from './lineIndex';

function codePoint(character: number): string {
  return `U+${character.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** One diagnostic for the first refused character of the cell, at its line and column. */
export function sourceCharacterErrors(code: string): Diagnostic[] {
  const nul = code.indexOf('\0');
  const surrogate = loneSurrogateAt(code);
  const candidates = [nul, surrogate].filter(offset => offset >= 0);
  if (candidates.length === 0) {
    return [];
  }
  const offset = Math.min(...candidates);
  const { line, column } = new LineIndex(code).position(offset);
  const message =
    offset === nul
      ? 'This cell holds a NUL character (U+0000), which Python refuses in source code. Remove it; inside a string write \\0 or \\x00 instead.'
      : `This cell holds a lone surrogate (${codePoint(code.charCodeAt(offset))}), half of a UTF-16 pair, which Python cannot encode as source code. Remove it; inside a string write the escape \\u${code.charCodeAt(offset).toString(16)} instead.`;
  return [diagnostic('error', 'unrunnable-character', message, null, line, column)];
}
