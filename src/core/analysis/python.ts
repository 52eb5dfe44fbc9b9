/** The Python parser (@lezer/python) and what it reports about syntax errors. */
import type { Tree } from '@lezer/common';
import { parser } from '@lezer/python';
import { diagnostic, type Diagnostic } from '../notebook';
import { LineIndex } from './lineIndex';
import { isTrailingDotFloat } from './trailingDotFloat';

export function parsePython(code: string): Tree {
  return parser.parse(code);
}

/**
 * @lezer/python recovers from syntax errors and marks them with error nodes. The first one is
 * reported with its position (later ones are often consequences of it), with the count of the rest.
 * A float literal ending in '.' is not an error, though lezer marks one (trailingDotFloat.ts).
 */
export function syntaxErrors(tree: Tree, code: string): Diagnostic[] {
  const errors: number[] = [];
  tree.iterate({
    enter: node => {
      if (node.name === 'MemberExpression' && isTrailingDotFloat(node.node, code)) {
        return false;
      }
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
