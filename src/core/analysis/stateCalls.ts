/**
 * Calls that may set a module's global random state (`random.seed(1)`, `np.random.seed(0)`,
 * `torch.manual_seed(0)`): calls through a dotted name whose last part is one of STATE_SETTERS'.
 * Which module the first name is, is known only across cells: dataflow resolves it.
 */
import type { SyntaxNode } from '@lezer/common';
import { STATE_SETTER_NAMES } from './builtins';
import type { StateCall } from './types';
import type { CallSite, WalkContext, WalkHooks } from './walkHooks';

export class StateCalls implements WalkHooks {
  /** @param found receives each call found, in source order */
  constructor(
    private readonly walk: WalkContext,
    private readonly found: (call: StateCall) => void
  ) {}

  called({ callee, calleeName, method }: CallSite): void {
    const last = method ?? calleeName;
    if (last === null || !STATE_SETTER_NAMES.has(last)) {
      return;
    }
    const chain = this.dottedName(callee);
    if (chain) {
      this.found({ ...this.walk.site(chain[0], callee.from), chain: chain.join('.') });
    }
  }

  /** `a.b.c` as its parts; null when the chain holds a subscript or a call (not a module's function). */
  private dottedName(callee: SyntaxNode): string[] | null {
    const parts: string[] = [];
    let node: SyntaxNode | null = callee;
    while (node?.name === 'MemberExpression') {
      const property = node.lastChild;
      if (property?.name !== 'PropertyName' || property.prevSibling?.name !== '.') {
        return null;
      }
      parts.push(this.walk.text(property));
      node = node.firstChild;
    }
    if (node?.name !== 'VariableName') {
      return null;
    }
    parts.push(this.walk.text(node));
    return parts.reverse();
  }
}
