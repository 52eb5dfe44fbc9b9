/** The Python parser (@lezer/python) and what it reports about syntax errors. */
import type { Tree } from '@lezer/common';
import { parser } from '@lezer/python';
import { diagnostic, type Diagnostic } from '../notebook';
import { LineIndex } from './lineIndex';
import { trailingDotOffsets, withFloatDotsAsDigits } from './trailingDotFloat';

/** The syntax tree of `code`; float literals ending in '.' are parsed as numbers (trailingDotFloat.ts). */
export function parsePython(code: string): Tree {
  const tree = parser.parse(code);
  const dots = trailingDotOffsets(tree, code);
  return dots.length === 0 ? tree : parser.parse(withFloatDotsAsDigits(code, dots));
}

/**
 * @lezer/python recovers from syntax errors and marks them with error nodes. The first one is
 * reported with its position (later ones are often consequences of it), with the count of the rest.
 */
export function syntaxErrors(tree: Tree, code: string): Diagnostic[] {
  const errors: number[] = [];
  tree.iterate({
    enter: node => {
      if (node.type.isError) {
        errors.push(node.from);
        return false;
      }
      return undefined;
    }
  });
  if (errors.length === 0) {
    return [];
  }
  const { line, column } = new LineIndex(code).position(errors[0]);
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more place${errors.length > 2 ? 's' : ''} in this cell)` : '';
  return [
    diagnostic(
      'error',
      'syntax-error',
      `Python cannot parse this code${more}. Fix the syntax: the cell would fail when run. The rest of the notebook is still analysed.`,
      null,
      line,
      column
    )
  ];
}
