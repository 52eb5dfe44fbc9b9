/**
 * Parameter effects (types.ts, FunctionFacts): for a function defined at module level (the
 * functions the notebook can call by name), which parameters its body may change, by the alias
 * rules (aliases.ts) applied to the value each parameter was called with. Each parameter's value
 * at the call is an alias root of its own, a placeholder (scopes.ts): a change in place through
 * the parameter, or through an alias or loop target of it, by `del x[i]` or augmented assignment,
 * or by passing it to a call, is a use of the placeholder. A call of a plain name that may be
 * another notebook function is recorded as a pass (resolved across the notebook,
 * notebookFunctions.ts); any other call counts as a change. Rebinding the parameter for sure first
 * (`x = list(x)`) ends the alias, as for any name.
 * A parameter whose value may outlive the call counts as changed too, since the caller's later
 * changes through it would not be seen: returned or yielded (escapeValue: aliases, displays,
 * comprehensions and builtins that hand on items), bound to a global, a default of a nested
 * function, or used in a nested function, lambda or class. Nested functions and lambdas get no
 * facts of their own: calls to them keep the conservative rule.
 */
import type { SyntaxNode } from '@lezer/common';
import type { AliasRoot, Aliases } from './aliases';
import { calleeIsModuleName, placeholderName, type CallSlot, type PendingUse, type Scope, type UseKind } from './scopes';
import { children, COMPREHENSIONS } from './syntax';
import type { FunctionFacts, FunctionParameter, ParameterPass } from './types';
import type { BoundValue, FunctionDefinition, WalkContext, WalkHooks } from './walkHooks';

/** Builtins whose result may hold their arguments or the arguments' items. */
const ITEM_BUILTINS = new Set([
  'sorted',
  'list',
  'tuple',
  'set',
  'frozenset',
  'dict',
  'reversed',
  'filter',
  'iter',
  'next',
  'max',
  'min',
  'enumerate',
  'zip'
]);
/** Literal containers: a value returned in one escapes with it. */
const DISPLAYS = new Set(['TupleExpression', 'ArrayExpression', 'SetExpression', 'DictionaryExpression', 'ParenthesizedExpression']);

/** What the body of one module-level function does to its parameters. */
interface FunctionEffects {
  /** Placeholder name -> parameter index. */
  readonly placeholders: Map<string, number>;
  /** Parameter name -> placeholder name (parameters a caller can give a value: not `*args`/`**kwargs`). */
  readonly placeholderOf: Map<string, string>;
  /** Parameters changed whatever other functions do. */
  readonly changed: Set<number>;
  /** `parameter callee slot` -> pass, for parameters passed on to calls of possible notebook functions. */
  readonly passes: Map<string, ParameterPass>;
}

export class ParameterEffects implements WalkHooks {
  /** Facts of the module-level functions, in source order, once their statement has ended. */
  readonly functions: FunctionFacts[] = [];
  /** By the scope of a module-level function's body. */
  private readonly effects = new Map<Scope, FunctionEffects>();
  /** Functions defined at module level by the current top-level statement. */
  private statementFunctions: { facts: FunctionFacts; effects: FunctionEffects }[] = [];

  constructor(
    private readonly walk: WalkContext,
    private readonly aliases: Aliases
  ) {}

  statementStarted(): void {
    this.statementFunctions = [];
  }

  statementEnded(): void {
    for (const { facts, effects } of this.statementFunctions) {
      facts.changes = [...effects.changed].sort((a, b) => a - b);
      facts.passes = [...effects.passes.values()].filter(pass => !effects.changed.has(pass.parameter));
      this.functions.push(facts);
    }
  }

  /** A module-level function: its parameters, by kind, each made an alias of its placeholder. */
  functionDefined({ name, parameters: list, scope, enclosing, decorated }: FunctionDefinition): void {
    if (enclosing.kind !== 'module') {
      return;
    }
    const parameters = this.parameters(list);
    const effects: FunctionEffects = { placeholders: new Map(), placeholderOf: new Map(), changed: new Set(), passes: new Map() };
    parameters.forEach((parameter, index) => {
      if (parameter.kind !== 'args' && parameter.kind !== 'kwargs') {
        const placeholder = placeholderName(index);
        effects.placeholders.set(placeholder, index);
        effects.placeholderOf.set(parameter.name, placeholder);
        this.aliases.seed(scope, parameter.name, [{ scope, name: placeholder }]);
      }
    });
    this.effects.set(scope, effects);
    this.statementFunctions.push({ facts: { name, parameters, decorated, changes: [], passes: [] }, effects });
  }

  /** `def inner(rows=rows)` keeps the value. */
  parameterDefault(node: SyntaxNode): void {
    if (this.effects.has(this.walk.scope)) {
      this.escape(this.aliases.aliasedBy(node));
    }
  }

  /** The global keeps the parameter's value. */
  globalBoundInFunction(_name: string, _scope: Scope, value: BoundValue): void {
    if (value.kind !== 'unchanged') {
      this.escape(this.aliases.rootsOf(value));
    }
  }

  placeholderUsed(scope: Scope, use: PendingUse): void {
    const effects = this.effects.get(scope);
    const parameter = effects?.placeholders.get(use.name);
    if (effects && parameter !== undefined) {
      this.parameterUse(effects, parameter, use.kind, use.call);
    }
  }

  localNameUsed(scope: Scope, use: PendingUse): void {
    if (this.statementFunctions.length > 0 && !this.effects.has(scope)) {
      this.capture(scope, use.name);
    }
  }

  /**
   * `return v`, `yield v`, `yield from v` in a module-level function: the names v may be or hold
   * escape. More than the alias rules, since a caller may change what it gets: v may be a display
   * holding them (`return rows, {"model": m}`), a comprehension whose element is not a new value
   * (`[r for r in rows if ...]` holds items of rows), or a builtin handing on items (`sorted(rows)`).
   */
  valueReturned(node: SyntaxNode): void {
    if (!this.effects.has(this.walk.scope)) {
      return;
    }
    const roots: AliasRoot[] = [];
    const stack = children(node);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (DISPLAYS.has(n.name)) {
        stack.push(...children(n));
      } else if (COMPREHENSIONS.has(n.name)) {
        // `element for targets in iterable (for ... | if ...)*`: what the element and iterables name
        const element: SyntaxNode[] = [];
        const held: SyntaxNode[] = [];
        let part: 'element' | 'targets' | 'iterable' | 'condition' = 'element';
        for (const c of children(n).slice(1, -1)) {
          if (c.name === 'for' || c.name === 'in' || c.name === 'if') {
            part = c.name === 'for' ? 'targets' : c.name === 'in' ? 'iterable' : 'condition';
          } else if (part === 'element') {
            element.push(c);
            held.push(c);
          } else if (part === 'iterable') {
            held.push(c);
          }
        }
        if (element.some(e => DISPLAYS.has(e.name) || COMPREHENSIONS.has(e.name) || this.aliases.aliasedBy(e).length > 0)) {
          roots.push(...this.aliases.iteratedRoots(held));
        }
      } else if (n.name === 'CallExpression' && n.firstChild?.name === 'VariableName' && ITEM_BUILTINS.has(this.walk.text(n.firstChild))) {
        const args = n.lastChild;
        for (let c = args?.firstChild ?? null; c; c = c.nextSibling) {
          if (!(c.name === 'VariableName' && c.nextSibling?.name === 'AssignOp')) {
            stack.push(c);
          }
        }
      } else {
        roots.push(...this.aliases.aliasedBy(n));
      }
    }
    this.escape(roots);
  }

  /** The parameters of a def, by how a call can give each a value. */
  private parameters(list: SyntaxNode | null): FunctionParameter[] {
    const parameters: FunctionParameter[] = [];
    let kind: FunctionParameter['kind'] = 'any';
    let expectName = true;
    let isDefault = false;
    let star: 'args' | 'kwargs' | null = null;
    let end = list?.from ?? 0;
    for (let n = list?.firstChild ?? null; n; n = n.nextSibling) {
      if (this.walk.code.slice(end, n.from).includes('/')) {
        // `/` leaves no node: everything before it is positional-only
        parameters.forEach(p => p.kind === 'any' && (p.kind = 'positional'));
      }
      end = n.to;
      if (isDefault) {
        isDefault = false;
      } else if (n.name === 'VariableName' && expectName) {
        parameters.push({ name: this.walk.text(n), kind: star ?? kind });
        expectName = false;
      } else if (n.name === '*' || n.name === '**') {
        star = n.name === '*' ? 'args' : 'kwargs';
        kind = 'keyword';
      } else if (n.name === 'AssignOp') {
        isDefault = true;
      } else if (n.name === ',') {
        expectName = true;
        star = null;
      }
    }
    return parameters;
  }

  /** A change in place of, or a call given, the value parameter `parameter` was called with. */
  private parameterUse(effects: FunctionEffects, parameter: number, kind: UseKind, call: CallSlot | null): void {
    if (kind === 'load' || effects.changed.has(parameter)) {
      return;
    }
    if (kind === 'argument' && call && calleeIsModuleName(call)) {
      const key = `${parameter}\u0000${call.callee}\u0000${call.slot}`;
      if (!effects.passes.has(key)) {
        effects.passes.set(key, { parameter, callee: call.callee, slot: call.slot });
      }
    } else {
      effects.changed.add(parameter);
    }
  }

  /**
   * A name used in `scope` inside a nested function, lambda or class of a module-level function,
   * that is a parameter of the latter: the nested code may run after the call, or the class keep
   * the caller's value.
   */
  private capture(scope: Scope, name: string): void {
    let nested = false;
    for (let s: Scope | null = scope; s; s = s.parent) {
      const effects = this.effects.get(s);
      if (effects) {
        const placeholder = effects.placeholderOf.get(name);
        if (nested && placeholder !== undefined && scope.bindingScope(name) === s) {
          effects.changed.add(effects.placeholders.get(placeholder)!);
        }
        return;
      }
      nested ||= s.kind !== 'comprehension'; // a function, lambda or class may keep the value
    }
  }

  /** Values that outlive a function call (returned, yielded, kept in a global): their parameters count as changed. */
  private escape(roots: readonly AliasRoot[]): void {
    for (const root of roots) {
      const effects = this.effects.get(root.scope);
      const parameter = effects?.placeholders.get(root.name);
      if (parameter !== undefined) {
        effects!.changed.add(parameter);
      }
    }
  }
}
