/**
 * The name a cell shows as its result: Jupyter displays the value of a cell's last statement when
 * it is an expression, and a bare name there (`model`) is how a notebook says "this is what I made".
 * A trailing `;` hides the result in Jupyter, so `model;` names nothing.
 */
import type { SyntaxNode, Tree } from '@lezer/common';

/** The bare name the cell's last statement is, or null. */
export function resultName(tree: Tree, code: string): string | null {
  let last: SyntaxNode | null = tree.topNode.lastChild;
  while (last?.name === 'Comment') {
    last = last.prevSibling;
  }
  if (last?.name === 'StatementGroup') {
    last = last.lastChild; // `x = 1; model`
  }
  const only = last?.name === 'ExpressionStatement' ? last.firstChild : null;
  return only && only.name === 'VariableName' && only.nextSibling === null ? code.slice(only.from, only.to) : null;
}
