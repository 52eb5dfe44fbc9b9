/**
 * What a call may do to the values it touches, by the names it calls: a method call may change
 * the object it is called on (`xs.append(1)`), and a call may change the names passed to it,
 * unless the callee is known to leave them alone (a pure builtin, a trusted library method).
 * `inplace=` and `out=` make any call count as changing what it is given.
 */
import type { SyntaxNode } from '@lezer/common';
import { ARGUMENT_PRESERVING_METHODS, PURE_BUILTINS, READ_ONLY_METHODS } from './builtins';
import type { CallSite, WalkContext } from './walkHooks';

/** Keyword arguments that make a call change what it is given (pandas `inplace=`, numpy `out=`). */
const IN_PLACE_KEYWORDS: ReadonlySet<string> = new Set(['inplace', 'out']);

export interface CallEffects {
  /** The call may change the object a method is called on (the root of `a.b.method(...)`). */
  changesReceiver: boolean;
  /** The call may change the names passed to it. */
  changesArguments: boolean;
}

/**
 * @param distrusted trusted library method names the notebook's own classes redefine: calls to
 *   them are treated like any unknown call
 */
export function callEffects(call: CallSite, walk: WalkContext, distrusted: ReadonlySet<string>): CallEffects {
  const { args, calleeName, method } = call;
  // `df.dropna(inplace=True)` and `np.add(a, b, out=c)` change what they are given.
  const inPlace = args.name === 'ArgList' && hasKeyword(args, IN_PLACE_KEYWORDS, walk);
  const trusted = method !== null && !distrusted.has(method) && !inPlace;
  const readOnly = trusted && READ_ONLY_METHODS.has(method);
  const pure =
    (calleeName !== null && PURE_BUILTINS.has(calleeName) && !walk.isModuleBound(calleeName)) ||
    readOnly ||
    (trusted && ARGUMENT_PRESERVING_METHODS.has(method));
  return { changesReceiver: method !== null && !readOnly, changesArguments: !pure };
}

/** Whether a call passes one of these keyword arguments. */
function hasKeyword(args: SyntaxNode, keywords: ReadonlySet<string>, walk: WalkContext): boolean {
  for (let n = args.firstChild; n; n = n.nextSibling) {
    if (n.name === 'VariableName' && n.nextSibling?.name === 'AssignOp' && keywords.has(walk.text(n))) {
      return true;
    }
  }
  return false;
}
