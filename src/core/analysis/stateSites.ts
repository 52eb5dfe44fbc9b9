/**
 * Code that may set process state (processState.ts): calls whose name ends like a configuration or
 * seeding function's (`np.random.seed(0)`, `pd.set_option(...)`), and assignments or `del`s of a
 * target whose path holds a configuration part (`os.environ["X"] = "1"`). Which module a path
 * starts from is known only across cells: processStateFlow.ts resolves it. A site that is a whole
 * top-level statement can be replayed by itself in later steps; the walk records the names that
 * statement uses, which a replay needs.
 */
import type { SyntaxNode } from '@lezer/common';
import { STATE_CALL_NAMES, STATE_TARGET_PARTS } from './processState';
import { children, split } from './syntax';
import type { StateSite } from './types';
import type { CallSite, ModuleNameUse, WalkContext, WalkHooks, WalkedStatement } from './walkHooks';

export class StateSites implements WalkHooks {
  private statement: SyntaxNode | null = null;
  private uses = new Set<string>();
  private calls: { site: StateSite; whole: boolean }[] = [];

  /** @param found receives each site once its top-level statement ends, in source order */
  constructor(
    private readonly walk: WalkContext,
    private readonly found: (site: StateSite) => void
  ) {}

  statementStarted(node: SyntaxNode): void {
    this.statement = node;
    this.uses = new Set();
    this.calls = [];
  }

  moduleNameUsed({ name, deferred }: ModuleNameUse): void {
    if (!deferred) {
      this.uses.add(name);
    }
  }

  called({ node, callee, calleeName, method }: CallSite): void {
    const last = method ?? calleeName;
    if (last === null || !STATE_CALL_NAMES.has(last) || insideWith(node)) {
      return;
    }
    const path = this.pathOf(callee);
    if (path) {
      const whole = this.walk.scope === this.walk.module && node.parent?.name === 'ExpressionStatement' && node.parent === this.statement;
      this.calls.push({ site: { ...this.walk.site(path.root, callee.from), path: path.text, kind: 'call', statement: null }, whole });
    }
  }

  statementEnded({ node }: WalkedStatement): void {
    const replayable = { from: node.from, to: node.to, line: this.walk.line(node.from), uses: [...this.uses] };
    const assigned = this.assignedTarget(node);
    if (assigned) {
      this.found({ ...this.walk.site(assigned.root, assigned.node.from), path: assigned.text, kind: 'assign', statement: replayable });
    } else if (COMPOUND_STATEMENTS.has(node.name)) {
      for (const nested of this.nestedAssignments(node)) {
        this.found({ ...this.walk.site(nested.root, nested.node.from), path: nested.text, kind: 'assign', statement: null });
      }
    }
    for (const { site, whole } of this.calls) {
      this.found(whole ? { ...site, statement: replayable } : site);
    }
    this.calls = [];
  }

  /** Configuration targets assigned inside a compound statement, outside functions, classes and `with`. */
  private nestedAssignments(node: SyntaxNode): { node: SyntaxNode; root: string; text: string }[] {
    const found: { node: SyntaxNode; root: string; text: string }[] = [];
    const stack = children(node).reverse();
    while (stack.length > 0) {
      const child = stack.pop()!;
      const target = child.name === 'AssignStatement' || child.name === 'DeleteStatement' ? this.assignedTarget(child) : null;
      if (target) {
        found.push(target);
      } else if (!OWN_SCOPES.has(child.name)) {
        stack.push(...children(child).reverse());
      }
    }
    return found;
  }

  /** The configuration target of `a.b[k] = v` / `del a.b[k]`, when every target is an attribute or item. */
  private assignedTarget(node: SyntaxNode): { node: SyntaxNode; root: string; text: string } | null {
    let targets: SyntaxNode[][];
    if (node.name === 'AssignStatement') {
      const parts = split(children(node), n => n.name === 'AssignOp');
      targets = parts.slice(0, -1);
    } else if (node.name === 'DeleteStatement') {
      targets = split(children(node).slice(1), n => n.name === ',');
    } else {
      return null;
    }
    if (targets.length === 0 || !targets.every(target => target.length === 1 && target[0].name === 'MemberExpression')) {
      return null;
    }
    for (const [target] of targets) {
      const path = this.pathOf(target);
      if (path && path.parts.some(part => STATE_TARGET_PARTS.has(part))) {
        return { node: target, root: path.root, text: path.text };
      }
    }
    return null;
  }

  /**
   * `a.b(...).c[k]` as `a.b().c[]` with its parts (`a`, `b`, `c`); null when it does not start at a
   * name or holds something else than attributes, calls and subscripts.
   */
  private pathOf(node: SyntaxNode): { root: string; parts: string[]; text: string } | null {
    const suffixes: string[] = [];
    let current: SyntaxNode | null = node;
    while (current && current.name !== 'VariableName') {
      if (current.name === 'CallExpression') {
        suffixes.push('()');
      } else if (current.name === 'MemberExpression' && current.lastChild?.name === ']') {
        suffixes.push('[]');
      } else if (current.name === 'MemberExpression' && current.lastChild?.name === 'PropertyName') {
        suffixes.push('.' + this.walk.text(current.lastChild));
      } else {
        return null;
      }
      current = current.firstChild;
    }
    if (!current) {
      return null;
    }
    const root = this.walk.text(current);
    const text = root + suffixes.reverse().join('');
    return { root, parts: [root, ...suffixes.filter(s => s.startsWith('.')).map(s => s.slice(1))], text };
  }
}

/** Top-level statements whose bodies may set configuration that cannot be replayed alone. */
const COMPOUND_STATEMENTS = new Set(['IfStatement', 'ForStatement', 'WhileStatement', 'TryStatement', 'MatchStatement']);
/** Code not run where it is written (functions, classes), or scoped settings (`with`). */
const OWN_SCOPES = new Set(['FunctionDefinition', 'ClassDefinition', 'DecoratedStatement', 'LambdaExpression', 'WithStatement']);

/** Settings made inside `with` (`warnings.catch_warnings()`, `pd.option_context`) are usually meant to end with it. */
function insideWith(node: SyntaxNode): boolean {
  for (let parent = node.parent; parent; parent = parent.parent) {
    if (parent.name === 'WithStatement') {
      return true;
    }
  }
  return false;
}
