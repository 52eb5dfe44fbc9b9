/**
 * Aliases. `ys = xs` makes ys another name for xs's value, and `for row in rows` binds row to
 * items of rows: changing ys or row in place changes xs or rows, and Run All sees that change in
 * later cells. Each scope maps a bound name to the names (its roots, closed under aliasing when
 * bound) whose value it may share; a change in place of the name (every UseKind but 'load') is a
 * change of its roots too. The rules, conservative where Python leaves it open:
 * - Binding a name to a name, or to an attribute/subscript chain rooted at one (`m = d["l"]`,
 *   `w = model.layers`, `v = xs[1:]`, which is a view for numpy), aliases it; so do `a or b`,
 *   `a if c else b` and `(y := x)`, which evaluate to one of their operands. Calls (`list(xs)`,
 *   `df.copy()`, `df.drop(...)`), literals (`[xs]`) and other operators make new values: no alias.
 * - Unpacking pairs a literal's items with the targets (`a, b = xs, ys`); otherwise every target
 *   may get any item (`a, b = pair`, `first, *rest = items`).
 * - A loop, comprehension or `match` target aliases every name in the iterable (the subject)
 *   except called names, arguments of FRESH_VALUE_BUILTINS (`range(n)`), subscript keys and
 *   names local to a lambda or comprehension in it: `for i, row in enumerate(rows)` aliases rows.
 * - A binding that surely runs replaces the name's aliases (a plain rebinding ends them); one that
 *   may not run adds to them. `x += ...` keeps them (a list is changed in place). `del` ends them.
 * - In a loop body, a change early in the body may reach an alias bound later in it (next pass).
 * Aliases are looked up in the scope that binds the name, through comprehensions, lambdas and
 * class bodies (which run where they are written), never from a function body into its enclosing
 * scopes (it runs later, when those may have changed). Across cells of one step, `aliases` in the
 * facts carries the module-level ones (stepCode.ts). Across steps nothing is needed: a name loaded
 * from another step and changed is saved again.
 * The walker says which value each target gets (walkHooks.ts, BoundValue: it pairs a literal's
 * items with unpacking targets as Python does); this file decides what that value shares.
 */
import type { SyntaxNode } from '@lezer/common';
import { FRESH_VALUE_BUILTINS } from './builtins';
import type { Scope } from './scopes';
import { COMPREHENSIONS, displayItems } from './syntax';
import type { Alias } from './types';
import type { BoundValue, NameChange, WalkContext, WalkHooks } from './walkHooks';

/**
 * A name whose value a binding may share: changing the bound name in place changes `name` as
 * resolved from `scope`.
 */
export interface AliasRoot {
  scope: Scope;
  name: string;
}

export const NO_ROOTS: readonly AliasRoot[] = [];

/**
 * Roots one alias keeps at most (the first ones found). Real code has a handful; generated code
 * (`x2 = x1`, `x3 = x2`, ... or a 5,000-operand `or`) would otherwise cost quadratic time and
 * memory, in the browser as the user types.
 */
const MAX_ROOTS = 32;

/** Collects alias roots without repeats, up to MAX_ROOTS. */
class Roots {
  private readonly list: AliasRoot[] = [];

  add(scope: Scope, name: string): void {
    if (this.list.length < MAX_ROOTS && !this.list.some(root => root.name === name && root.scope === scope)) {
      this.list.push({ scope, name });
    }
  }

  addAll(roots: readonly AliasRoot[]): void {
    for (const root of roots) {
      this.add(root.scope, root.name);
    }
  }

  result(): readonly AliasRoot[] {
    return this.list.length > 0 ? this.list : NO_ROOTS;
  }
}

export class Aliases implements WalkHooks {
  /** Per scope: names bound in it that may share their value with other names, with those names. */
  private readonly tables = new Map<Scope, Map<string, readonly AliasRoot[]>>();
  /** What each value the walker evaluated may share, as it was when evaluated. */
  private readonly evaluated = new Map<BoundValue, readonly AliasRoot[]>();
  /** Changes in place inside the loop bodies being walked, innermost last. */
  private readonly loops: NameChange[][] = [];

  constructor(private readonly walk: WalkContext) {}

  // ---------------------------------------------------------------- hooks

  valueEvaluated(value: BoundValue): void {
    this.rootsOf(value);
  }

  nameBound(name: string, scope: Scope, value: BoundValue): void {
    if (value.kind !== 'unchanged') {
      this.setAliases(scope, name, this.rootsOf(value));
    }
  }

  /** A change in place of a name changes the names whose value it may share. */
  nameChanged(change: NameChange): void {
    this.changeRoots(change);
    this.loops[this.loops.length - 1]?.push(change);
  }

  loopEntered(): void {
    this.loops.push([]);
  }

  /**
   * A change in place early in a loop body reaches, on the next pass, what a name is bound to later
   * in it (`prev.append(x)` ... `prev = row`): every change in the body is applied again to the
   * aliases its name has after the body.
   */
  loopExited(): void {
    const changes = this.loops.pop() ?? [];
    const outer = this.loops[this.loops.length - 1];
    for (const change of changes) {
      this.changeRoots(change);
      outer?.push(change);
    }
  }

  // ---------------------------------------------------------------- queries

  /** Module-level aliases at the end of the cell, with their module-level roots. */
  moduleAliases(): Alias[] {
    const module = this.walk.module;
    const aliases: Alias[] = [];
    for (const [name, roots] of this.tables.get(module) ?? []) {
      const names = roots.filter(root => root.scope === module).map(root => root.name);
      if (names.length > 0) {
        aliases.push({ name, roots: names });
      }
    }
    return aliases;
  }

  /** Makes `name`, bound in `scope`, share the value of `roots` (a parameter, parameterEffects.ts). */
  seed(scope: Scope, name: string, roots: readonly AliasRoot[]): void {
    this.table(scope).set(name, roots);
  }

  /** What a bound value may share: as when it was evaluated, or as now if it was not announced. */
  rootsOf(value: BoundValue): readonly AliasRoot[] {
    if (value.kind === 'new' || value.kind === 'unchanged') {
      return NO_ROOTS;
    }
    let roots = this.evaluated.get(value);
    if (roots === undefined) {
      roots = this.computeRoots(value);
      this.evaluated.set(value, roots);
    }
    return roots;
  }

  /**
   * The names an expression's value may be the value of, with their own roots: `xs`, `d["k"][0]`,
   * `model.layers`, `(xs)`, `a or b`, `a if c else b`, `(y := xs)`. Empty for calls, literals and
   * other operators, which make new values.
   */
  aliasedBy(node: SyntaxNode): readonly AliasRoot[] {
    let roots: Roots | null = null;
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop()!;
      switch (n.name) {
        case 'VariableName':
          this.addRoot((roots ??= new Roots()), this.walk.text(n));
          break;
        case 'MemberExpression':
          stack.push(n.firstChild!); // the object, not the key of a subscript
          break;
        case 'ParenthesizedExpression': {
          const inner = n.firstChild?.nextSibling;
          if (inner && inner.nextSibling?.name === ')') {
            stack.push(inner);
          }
          break;
        }
        case 'NamedExpression':
          stack.push(n.lastChild!);
          break;
        case 'ConditionalExpression': // a if c else b
          stack.push(n.firstChild!, n.lastChild!);
          break;
        case 'BinaryExpression':
          if (n.getChild('or') || n.getChild('and')) {
            stack.push(n.firstChild!, n.lastChild!);
          }
          break;
      }
    }
    return roots?.result() ?? NO_ROOTS;
  }

  /**
   * What the targets of a loop over `iterable` (nodes) may share: every name in it, with its own
   * roots, but names that are called (`enumerate`, `zip`, user functions), arguments of
   * FRESH_VALUE_BUILTINS (`range(n)`), keys of subscripts, keyword names, strings, lambdas, and the
   * targets of comprehensions in it. `sorted(items)` aliases items (a new list of the same items).
   */
  iteratedRoots(iterable: readonly SyntaxNode[]): readonly AliasRoot[] {
    const names: string[] = [];
    let local: Set<string> | null = null;
    const stack = [...iterable];
    while (stack.length > 0) {
      const n = stack.pop()!;
      const name = n.name;
      if (name === 'VariableName') {
        names.push(this.walk.text(n));
      } else if (name === 'CallExpression') {
        const callee = n.firstChild!;
        const args = n.lastChild!;
        if (callee.name !== 'VariableName') {
          stack.push(callee); // `d.items()` iterates d
        } else {
          const called = this.walk.text(callee);
          if (FRESH_VALUE_BUILTINS.has(called) && !this.walk.isModuleBound(called)) {
            continue;
          }
        }
        if (args !== callee) {
          stack.push(args);
        }
      } else if (name === 'ArgList') {
        for (let c = n.firstChild; c; c = c.nextSibling) {
          if (!(c.name === 'VariableName' && c.nextSibling?.name === 'AssignOp')) {
            stack.push(c);
          }
        }
      } else if (name === 'MemberExpression') {
        stack.push(n.firstChild!);
      } else if (COMPREHENSIONS.has(name)) {
        local ??= new Set();
        let inTargets = false;
        for (let c = n.firstChild; c; c = c.nextSibling) {
          if (c.name === 'for' || c.name === 'in') {
            inTargets = c.name === 'for';
          } else if (inTargets) {
            this.collectNames(c, local);
          } else {
            stack.push(c);
          }
        }
      } else if (name !== 'LambdaExpression' && name !== 'String' && name !== 'FormatString' && name !== 'Number') {
        for (let c = n.firstChild; c; c = c.nextSibling) {
          stack.push(c);
        }
      }
    }
    let roots: Roots | null = null;
    for (const name of names) {
      if (!local?.has(name)) {
        this.addRoot((roots ??= new Roots()), name);
      }
    }
    return roots?.result() ?? NO_ROOTS;
  }

  // ---------------------------------------------------------------- rules

  private computeRoots(value: Exclude<BoundValue, { kind: 'new' | 'unchanged' }>): readonly AliasRoot[] {
    switch (value.kind) {
      case 'expression':
        // A literal tuple or list as a whole is a new value; its items may be paired with targets.
        return value.nodes.length === 1 && displayItems(value.nodes) === null ? this.aliasedBy(value.nodes[0]) : NO_ROOTS;
      case 'iterated':
        return this.iteratedRoots(value.nodes);
      case 'item':
        return this.itemRoots(value.of);
    }
  }

  /** Everything a value or any of its items may share (for targets it cannot be paired with). */
  private itemRoots(value: BoundValue): readonly AliasRoot[] {
    const items = value.kind === 'expression' ? displayItems(value.nodes) : null;
    if (items === null) {
      return this.rootsOf(value);
    }
    const roots = new Roots();
    for (const item of items) {
      roots.addAll(this.aliasedBy(item[item.length - 1])); // `*xs` hands on items of xs
    }
    return roots.result();
  }

  private table(scope: Scope): Map<string, readonly AliasRoot[]> {
    let table = this.tables.get(scope);
    if (!table) {
      table = new Map();
      this.tables.set(scope, table);
    }
    return table;
  }

  /** A binding that surely runs replaces the name's aliases; one that may not adds to them. */
  private setAliases(scope: Scope, name: string, roots: readonly AliasRoot[]): void {
    const own = roots.length > 0 ? roots.filter(root => root.name !== name || root.scope !== scope) : roots;
    const table = this.tables.get(scope);
    if (this.walk.conditional === scope.conditionalBase) {
      if (own.length > 0) {
        this.table(scope).set(name, own);
      } else if (table) {
        table.delete(name);
      }
    } else if (own.length > 0) {
      const old = table?.get(name);
      if (old) {
        const union = new Roots();
        union.addAll(old);
        union.addAll(own);
        table!.set(name, union.result());
      } else {
        this.table(scope).set(name, own);
      }
    }
  }

  /** The aliases of `name` used in `scope`, from the scope that binds it. */
  private aliasesOf(name: string, scope: Scope): readonly AliasRoot[] | undefined {
    for (let s: Scope | null = scope; s; s = s.parent) {
      const roots = this.tables.get(s)?.get(name);
      if (roots || s.kind === 'module' || s.kind === 'function' || s.bound.has(name) || s.globals.has(name) || s.nonlocals.has(name)) {
        return roots;
      }
    }
    return undefined;
  }

  private changeRoots({ kind, name, offset, scope, call }: NameChange): void {
    const roots = this.aliasesOf(name, scope);
    if (roots) {
      for (const root of roots) {
        this.walk.record(kind, root.name, offset, root.scope, call);
      }
    }
  }

  /** `name`, used in the current scope, and what it may share in turn. */
  private addRoot(roots: Roots, name: string): void {
    const scope = this.walk.scope;
    roots.add(scope, name);
    const more = this.aliasesOf(name, scope);
    if (more) {
      roots.addAll(more);
    }
  }

  /** The variable names in a target (`k, (a, b)`). */
  private collectNames(node: SyntaxNode, into: Set<string>): void {
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.name === 'VariableName') {
        into.add(this.walk.text(n));
      }
      for (let c = n.firstChild; c; c = c.nextSibling) {
        stack.push(c);
      }
    }
  }
}
