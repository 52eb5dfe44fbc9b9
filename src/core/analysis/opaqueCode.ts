/**
 * Code whose effect on names static analysis cannot see: `import *` may bind any name, and
 * `exec`, `eval`, `globals()`, `locals()`, `vars()` may read and change any module name. Reported
 * on the cell; dataflow handles such cells conservatively.
 */
import type { SyntaxNode } from '@lezer/common';
import { OPAQUE_CALLS } from './builtins';
import type { CallSite, WalkContext, WalkHooks } from './walkHooks';

export class OpaqueCode implements WalkHooks {
  /** `import *`: names may appear that cellpipe cannot see. */
  bindsUnknownNames = false;
  /** The cell may read and change any module name. */
  opaque = false;

  constructor(private readonly walk: WalkContext) {}

  starImported(node: SyntaxNode): void {
    this.bindsUnknownNames = true;
    this.walk.report(
      'warning',
      'opaque-code',
      '`import *` hides which names it defines: cellpipe assumes that any name it cannot find comes from it. Import the names you use instead.',
      node.from
    );
  }

  called({ node, args, calleeName }: CallSite): void {
    if (calleeName === null || !OPAQUE_CALLS.has(calleeName) || this.walk.isModuleBound(calleeName)) {
      return;
    }
    const hasArguments = args.firstChild?.nextSibling?.name !== ')';
    if (calleeName === 'vars' && hasArguments) {
      return; // vars(obj) reads an object's attributes, not the module's names
    }
    this.opaque = true;
    this.walk.report(
      'warning',
      'opaque-code',
      `${calleeName}() hides which variables this code reads and changes: cellpipe assumes it uses and changes every variable defined above, so the step waits for all earlier steps. Write the code out to let steps run in parallel.`,
      node.from
    );
  }
}
