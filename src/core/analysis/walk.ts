/**
 * Walks one cell's syntax tree (@lezer/python) and records, for the module scope, what the cell
 * loads, binds, changes in place and declares. Node names are those of @lezer/python's grammar
 * (node_modules/@lezer/python/src/python.grammar).
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { diagnostic } from '../notebook';
import type { Diagnostic } from '../notebook';
import {
  ARGUMENT_PRESERVING_METHODS,
  FRESH_VALUE_BUILTINS,
  OPAQUE_CALLS,
  PURE_BUILTINS,
  READ_ONLY_METHODS,
  STATE_SETTER_NAMES
} from './builtins';
import { Scope, type AliasRoot, type CallSlot, type ParameterEffects, type UseKind } from './scopes';
import { LineIndex } from './lineIndex';
import { children, rootNode, split, valueKind } from './syntax';
import type {
  Alias,
  CallPass,
  CellFacts,
  Declaration,
  FunctionFacts,
  FunctionParameter,
  ModuleBinding,
  NameSite,
  StateCall,
  ValueKind
} from './types';

/** Keyword arguments that make a call change what it is given (pandas `inplace=`, numpy `out=`). */
const IN_PLACE_KEYWORDS: ReadonlySet<string> = new Set(['inplace', 'out']);

/**
 * Deeper syntax than this is not walked name by name: every name in it counts as loaded. CPython
 * itself rejects expressions nested more than 200 levels deep, so no runnable code gets here.
 */
const MAX_DEPTH = 400;

const COMPREHENSIONS = new Set([
  'ComprehensionExpression',
  'ArrayComprehensionExpression',
  'SetComprehensionExpression',
  'DictionaryComprehensionExpression'
]);
const DECLARATION_NODES: Record<string, Declaration['kind']> = {
  ImportStatement: 'import',
  FunctionDefinition: 'function',
  ClassDefinition: 'class',
  TypeDefinition: 'type'
};
/** Builtins whose result may hold their arguments or the arguments' items. */
const ITEM_BUILTINS = new Set(['sorted', 'list', 'tuple', 'set', 'frozenset', 'dict', 'reversed', 'filter', 'iter', 'next', 'max', 'min', 'enumerate', 'zip']);
/** Literal containers: a value returned in one escapes with it. */
const DISPLAYS = new Set(['TupleExpression', 'ArrayExpression', 'SetExpression', 'DictionaryExpression', 'ParenthesizedExpression']);
/** Compound statements that are declarations when they bind a name by import, def or class. */
const GUARDED_DECLARATIONS = new Set(['IfStatement', 'TryStatement']);

type BindVia = 'assign' | 'import' | 'def' | 'class' | 'type';

/*
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
 */

/** What an assigned value shares: `roots` as a whole; per item for a literal tuple/list display. */
interface AliasSource {
  roots: readonly AliasRoot[];
  items: SyntaxNode[][] | null;
}

const NO_ROOTS: readonly AliasRoot[] = [];
const NO_ALIAS: AliasSource = { roots: NO_ROOTS, items: null };

/** A change in place recorded inside a loop body. */
interface LoopUse {
  kind: UseKind;
  name: string;
  offset: number;
  scope: Scope;
  call: CallSlot | null;
}

/*
 * Parameters. For a function defined at module level (the functions the notebook can call by
 * name), the walker records which parameters its body may change, by the rules above applied to
 * the value each parameter was called with (ParameterEffects in scopes.ts): in place, through an
 * alias or a loop target, by `del x[i]` or augmented assignment, or by passing it to a call. A
 * call of a plain name that may be another notebook function is recorded as a pass (resolved
 * across the notebook, notebookFunctions.ts); any other call counts as a change. Rebinding the
 * parameter for sure first (`x = list(x)`) ends the alias, as for any name.
 * A parameter whose value may outlive the call counts as changed too, since the caller's later
 * changes through it would not be seen: returned or yielded (escapeValue: aliases, displays,
 * comprehensions and builtins that hand on items), bound to a global, a default of a nested
 * function, or used in a nested function, lambda or class. Nested functions and lambdas get no
 * facts of their own: calls to them keep the conservative rule.
 */

interface RawBinding extends ModuleBinding {
  /** Conditional depth at which the binding happens (for if/else intersection). */
  depth: number;
  via: BindVia;
}

/** What one top-level statement contributes; becomes a Declaration if the statement is one. */
interface StatementState {
  firstBinding: number;
  scopes: Scope[];
  uses: Set<string>;
  deferredUses: NameSite[];
  mutates: Set<string>;
  classes: string[];
  generators: string[];
  vias: Set<BindVia>;
  stateCalls: StateCall[];
  /** Functions defined at module level by the statement, with their scopes. */
  functions: { facts: FunctionFacts; scope: Scope }[];
}

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

/** The walk's result: the cell's facts, diagnostics about its own code included. */
export type WalkResult = CellFacts;

export class CellWalker {
  private readonly module = new Scope('module', null);
  private scope = this.module;
  private conditional = 0;
  private depth = 0;
  private tooDeepReported = false;
  private readonly loads = new Map<string, number>();
  private readonly uses = new Map<string, number>();
  /** Module names bound (true) or deleted (false) for sure, per nested block; innermost last. */
  private readonly definitely: Map<string, boolean>[] = [new Map()];
  private readonly mutations = new Map<string, number>();
  private readonly argumentPasses = new Map<string, number>();
  /** `name callee slot` -> first pass of a module name to a call that may be a notebook function. */
  private readonly callPasses = new Map<string, CallPass>();
  private readonly functions: FunctionFacts[] = [];
  private readonly bindings: RawBinding[] = [];
  private readonly moduleBound = new Set<string>();
  private readonly declarations: Declaration[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly lines: LineIndex;
  private statement!: StatementState;
  private bindsUnknownNames = false;
  private opaque = false;
  /** Names of methods that classes in this cell define. */
  private readonly classMethods = new Set<string>();
  private readonly stateCalls: StateCall[] = [];
  /** Changes in place inside the loop bodies being walked, innermost last. */
  private readonly loops: LoopUse[][] = [];
  /** What the capture patterns of the `match` being walked may share with its subject. */
  private patternRoots: readonly AliasRoot[] = NO_ROOTS;

  /**
   * @param code the cell source with IPython magics blanked out
   * @param prelude every top-level statement is a declaration (cells tagged `imports`/`functions`)
   * @param distrusted trusted library method names the notebook's own classes redefine: calls to
   *   them are treated like any unknown call
   */
  constructor(
    private readonly code: string,
    private readonly prelude: boolean,
    private readonly distrusted: ReadonlySet<string> = new Set()
  ) {
    this.lines = new LineIndex(code);
  }

  walk(tree: Tree): WalkResult {
    for (let node = tree.topNode.firstChild; node; node = node.nextSibling) {
      this.topLevelStatement(node);
    }
    const sites = (map: Map<string, number>): NameSite[] =>
      [...map].map(([name, offset]) => this.site(name, offset));
    return {
      loads: sites(this.loads),
      uses: sites(this.uses),
      bindings: this.bindings.map(({ depth: _depth, via: _via, ...binding }) => binding),
      mutations: sites(this.mutations),
      argumentPasses: sites(this.argumentPasses),
      callPasses: [...this.callPasses.values()],
      functions: this.functions,
      aliases: this.moduleAliases(),
      stateCalls: this.stateCalls,
      declarations: this.declarations,
      bindsUnknownNames: this.bindsUnknownNames,
      opaque: this.opaque,
      classMethods: [...this.classMethods].sort(),
      diagnostics: this.diagnostics
    };
  }

  // ---------------------------------------------------------------- recording

  private text(node: SyntaxNode): string {
    return this.code.slice(node.from, node.to);
  }

  private site(name: string, offset: number): NameSite {
    const { line, column } = this.lines.position(offset);
    return { name, offset, line, column };
  }

  private report(severity: Diagnostic['severity'], code: string, message: string, offset: number): void {
    const { line, column } = this.lines.position(offset);
    this.diagnostics.push(diagnostic(severity, code, message, null, line, column));
  }

  /** Module-level aliases at the end of the cell, with their module-level roots. */
  private moduleAliases(): Alias[] {
    const aliases: Alias[] = [];
    for (const [name, roots] of this.module.aliases) {
      const names = roots.filter(root => root.scope === this.module).map(root => root.name);
      if (names.length > 0) {
        aliases.push({ name, roots: names });
      }
    }
    return aliases;
  }

  /** `call`: for kind 'argument', the call the name is passed to, when it may be a notebook function. */
  private use(kind: UseKind, name: string, offset: number, call: CallSlot | null = null): void {
    if (kind !== 'load') {
      this.changeRoots(kind, name, offset, this.scope, call);
      this.loops[this.loops.length - 1]?.push({ kind, name, offset, scope: this.scope, call });
    }
    this.recordUse(kind, name, offset, this.scope, call);
  }

  /** A change in place of `name` (used in `scope`) changes the names whose value it may share. */
  private changeRoots(kind: UseKind, name: string, offset: number, scope: Scope, call: CallSlot | null): void {
    const roots = this.aliasesOf(name, scope);
    if (roots) {
      for (const root of roots) {
        this.recordUse(kind, root.name, offset, root.scope, call);
      }
    }
  }

  /** The aliases of `name` used in `scope`, from the scope that binds it (see AliasSource). */
  private aliasesOf(name: string, scope: Scope): readonly AliasRoot[] | undefined {
    for (let s: Scope | null = scope; s; s = s.parent) {
      const roots = s.aliases.get(name);
      if (roots || s.kind === 'module' || s.kind === 'function' || s.bound.has(name) || s.globals.has(name) || s.nonlocals.has(name)) {
        return roots;
      }
    }
    return undefined;
  }

  private recordUse(kind: UseKind, name: string, offset: number, scope: Scope, call: CallSlot | null = null): void {
    if (scope.kind === 'class' && scope.bound.has(name) && !scope.globals.has(name)) {
      return; // the class's own attribute, bound earlier in its body
    }
    const bound = this.isDefinitelyBound(name);
    if (scope.kind === 'module') {
      this.moduleUse(kind, name, offset, false, bound, call);
    } else {
      scope.pending.push({ kind, name, offset, moduleBound: bound, call });
    }
  }

  /** Whether the callee of a call is the module-level name (so may be a notebook function). */
  private static calleeIsModuleName(call: CallSlot): boolean {
    const scope = call.scope;
    return !(scope.kind === 'class' && scope.bound.has(call.callee)) && scope.resolvesToModule(call.callee);
  }

  /**
   * Records a use of a module name. `bound`: the name is bound for sure at this point of the cell,
   * so the load needs no value from before the cell.
   */
  private moduleUse(kind: UseKind, name: string, offset: number, deferred: boolean, bound: boolean, call: CallSlot | null = null): void {
    const state = this.statement;
    if (kind === 'argument' && call && !deferred && CellWalker.calleeIsModuleName(call)) {
      const key = `${name}\u0000${call.callee}\u0000${call.slot}`;
      if (!this.callPasses.has(key)) {
        this.callPasses.set(key, { ...this.site(name, offset), callee: call.callee, slot: call.slot });
      }
      return;
    }
    if (deferred) {
      if (kind === 'load') {
        state.deferredUses.push(this.site(name, offset));
        state.uses.add(name);
      } else {
        state.mutates.add(name);
      }
      return;
    }
    if (kind === 'load') {
      state.uses.add(name);
      if (!this.uses.has(name)) {
        this.uses.set(name, offset);
      }
    }
    const map = kind === 'load' ? this.loads : kind === 'mutation' ? this.mutations : this.argumentPasses;
    if (!map.has(name) && !(kind === 'load' && bound)) {
      map.set(name, offset);
    }
  }

  /** A change in place of, or a call given, the value parameter `parameter` was called with. */
  private parameterUse(effects: ParameterEffects, parameter: number, kind: UseKind, call: CallSlot | null): void {
    if (kind === 'load' || effects.changed.has(parameter)) {
      return;
    }
    if (kind === 'argument' && call && CellWalker.calleeIsModuleName(call)) {
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
      if (s.effects) {
        const marker = s.effects.markerOf.get(name);
        if (nested && marker !== undefined && scope.bindingScope(name) === s) {
          s.effects.changed.add(s.effects.markers.get(marker)!);
        }
        return;
      }
      nested ||= s.kind !== 'comprehension'; // a function, lambda or class may keep the value
    }
  }

  /** Values that outlive a function call (returned, yielded, kept in a global): their parameters count as changed. */
  private escape(roots: readonly AliasRoot[]): void {
    for (const root of roots) {
      const parameter = root.scope.effects?.markers.get(root.name);
      if (parameter !== undefined) {
        root.scope.effects!.changed.add(parameter);
      }
    }
  }

  private isDefinitelyBound(name: string): boolean {
    for (let i = this.definitely.length - 1; i >= 0; i--) {
      const state = this.definitely[i].get(name);
      if (state !== undefined) {
        return state;
      }
    }
    return false;
  }

  private load(node: SyntaxNode): void {
    this.use('load', this.text(node), node.from);
  }

  /** `roots`: the names whose value the bound value may share; null keeps the name's aliases. */
  private bind(
    name: string,
    offset: number,
    via: BindVia,
    value: ValueKind = 'unknown',
    callee: string | null = null,
    scope = this.scope,
    roots: readonly AliasRoot[] | null = NO_ROOTS
  ): void {
    if (scope.kind === 'module' || scope.globals.has(name)) {
      if (scope.deferred) {
        this.statement.mutates.add(name); // a `global` write inside a function
        if (roots) {
          this.escape(roots); // the global keeps the parameter's value
        }
      } else {
        this.bindModule(name, offset, via, 'data', value, callee);
      }
    } else if (!scope.nonlocals.has(name)) {
      scope.bound.add(name);
    }
    if (roots !== null) {
      this.setAliases(scope, name, roots);
    }
  }

  private bindImport(name: string, offset: number, module: string): void {
    const count = this.bindings.length;
    this.bind(name, offset, 'import');
    if (this.bindings.length > count) {
      this.bindings[this.bindings.length - 1].module = module;
    }
  }

  /** A binding that surely runs replaces the name's aliases; one that may not adds to them. */
  private setAliases(scope: Scope, name: string, roots: readonly AliasRoot[]): void {
    const own = roots.length > 0 ? roots.filter(root => root.name !== name || root.scope !== scope) : roots;
    if (this.conditional === scope.conditionalBase) {
      if (own.length > 0) {
        scope.aliases.set(name, own);
      } else if (scope.aliases.size > 0) {
        scope.aliases.delete(name);
      }
    } else if (own.length > 0) {
      const old = scope.aliases.get(name);
      if (old) {
        const union = new Roots();
        union.addAll(old);
        union.addAll(own);
        scope.aliases.set(name, union.result());
      } else {
        scope.aliases.set(name, own);
      }
    }
  }

  private bindModule(
    name: string,
    offset: number,
    via: BindVia,
    kind: ModuleBinding['kind'],
    value: ValueKind = 'unknown',
    callee: string | null = null,
    module: string | null = null
  ): void {
    const { line, column } = this.lines.position(offset);
    this.bindings.push({
      name,
      offset,
      line,
      column,
      definite: this.conditional === 0,
      kind,
      value,
      callee,
      declaration: null,
      module,
      depth: this.conditional,
      via
    });
    this.moduleBound.add(name);
    this.definitely[this.definitely.length - 1].set(name, kind !== 'deleted');
    this.statement.vias.add(via);
  }

  private unbind(name: string, offset: number): void {
    if (this.scope.kind === 'module') {
      this.bindModule(name, offset, 'assign', 'deleted');
      this.setAliases(this.scope, name, NO_ROOTS);
    } else {
      this.bind(name, offset, 'assign');
    }
  }

  private withScope(scope: Scope, body: () => void): void {
    const outer = this.scope;
    this.scope = scope;
    scope.conditionalBase = this.conditional;
    this.statement.scopes.push(scope);
    try {
      body();
    } finally {
      this.scope = outer;
    }
  }

  /** Walks code that may not run; names it binds are bound for sure only inside it. */
  private conditionally(body: () => void): void {
    this.conditional++;
    this.definitely.push(new Map());
    try {
      body();
    } finally {
      this.conditional--;
      this.definitely.pop();
    }
  }

  /**
   * Walks alternative branches (if/elif/else, try/except, match cases). A name every branch binds
   * for sure is bound for sure after the statement, when the branches are exhaustive.
   */
  private branches(walkers: (() => void)[], exhaustive: boolean, end: number): void {
    const boundPerBranch: Map<string, RawBinding>[] = [];
    for (const walk of walkers) {
      this.conditionally(() => {
        const start = this.bindings.length;
        walk();
        const last = new Map<string, RawBinding>();
        for (const binding of this.bindings.slice(start)) {
          if (binding.depth === this.conditional) {
            last.set(binding.name, binding);
          }
        }
        boundPerBranch.push(last);
      });
    }
    if (!exhaustive || boundPerBranch.length === 0) {
      return;
    }
    for (const [name, binding] of boundPerBranch[boundPerBranch.length - 1]) {
      if (binding.kind !== 'deleted' && boundPerBranch.every(branch => branch.get(name)?.kind === binding.kind)) {
        this.bindModule(name, end, binding.via, binding.kind, binding.value, binding.callee, binding.module);
      }
    }
  }

  // ---------------------------------------------------------------- statements

  private topLevelStatement(node: SyntaxNode): void {
    this.statement = {
      firstBinding: this.bindings.length,
      scopes: [],
      uses: new Set(),
      deferredUses: [],
      mutates: new Set(),
      classes: [],
      generators: [],
      vias: new Set(),
      stateCalls: [],
      functions: []
    };
    this.statementNode(node);
    const state = this.statement;
    for (const scope of state.scopes) {
      const effects = scope.effects;
      for (const use of scope.pending) {
        const parameter = effects?.markers.get(use.name);
        if (parameter !== undefined) {
          this.parameterUse(effects!, parameter, use.kind, use.call);
        } else if (scope.resolvesToModule(use.name)) {
          this.moduleUse(use.kind, use.name, use.offset, scope.deferred, use.moduleBound, use.call);
        } else if (state.functions.length > 0 && !effects) {
          this.capture(scope, use.name);
        }
      }
    }
    for (const { facts, scope } of state.functions) {
      const effects = scope.effects!;
      facts.changes = [...effects.changed].sort((a, b) => a - b);
      facts.passes = [...effects.passes.values()].filter(pass => !effects.changed.has(pass.parameter));
      this.functions.push(facts);
    }
    const inner = node.name === 'DecoratedStatement' ? node.lastChild : node;
    const kind = inner ? DECLARATION_NODES[inner.name] : undefined;
    const guarded =
      GUARDED_DECLARATIONS.has(node.name) &&
      (state.vias.has('import') || state.vias.has('def') || state.vias.has('class'));
    if (kind || guarded || (this.prelude && node.name !== 'Comment' && !node.type.isError)) {
      this.declare(node, kind ?? 'statement');
    } else {
      // Code outside declarations runs where it is written: what its functions use counts now.
      state.deferredUses.forEach(use => this.moduleUse('load', use.name, use.offset, false, false));
      state.mutates.forEach(name => this.moduleUse('mutation', name, node.from, false, false));
      this.stateCalls.push(...state.stateCalls);
    }
  }

  private declare(node: SyntaxNode, kind: Declaration['kind']): void {
    const state = this.statement;
    const index = this.declarations.length;
    const bindings = this.bindings.slice(state.firstBinding);
    const last = new Map(bindings.map(binding => [binding.name, binding.kind]));
    const names = new Set([...last].filter(([, kind]) => kind !== 'deleted').map(([name]) => name));
    for (const binding of bindings) {
      if (names.has(binding.name)) {
        binding.kind = 'declaration';
        binding.declaration = index;
      }
    }
    this.declarations.push({
      names: [...names],
      kind,
      from: node.from,
      to: node.to,
      line: this.lines.position(node.from).line,
      uses: [...state.uses].filter(name => !names.has(name)),
      deferredUses: state.deferredUses.filter(use => !names.has(use.name)),
      mutates: [...state.mutates],
      classes: state.classes,
      generators: state.generators,
      stateCalls: state.stateCalls
    });
  }

  private tooDeep(node: SyntaxNode): boolean {
    if (this.depth < MAX_DEPTH) {
      return false;
    }
    if (!this.tooDeepReported) {
      this.tooDeepReported = true;
      this.report(
        'error',
        'nesting-too-deep',
        'This code is nested too deeply for Python to compile (CPython allows about 200 levels). Split the expression into smaller parts.',
        node.from
      );
    }
    // Iterative: every name inside counts as loaded.
    const cursor = node.cursor();
    const end = node.to;
    do {
      if (cursor.from >= end) {
        break;
      }
      if (cursor.name === 'VariableName') {
        this.use('load', this.code.slice(cursor.from, cursor.to), cursor.from);
      }
    } while (cursor.next());
    return true;
  }

  /** Walks one node with `dispatch`, counting depth so deeply nested code cannot overflow the stack. */
  private guarded(node: SyntaxNode, dispatch: (node: SyntaxNode) => void): void {
    if (this.tooDeep(node)) {
      return;
    }
    this.depth++;
    try {
      dispatch.call(this, node);
    } finally {
      this.depth--;
    }
  }

  private statementNode(node: SyntaxNode): void {
    this.guarded(node, this.dispatchStatement);
  }

  private statements(node: SyntaxNode | null): void {
    for (let child = node?.firstChild ?? null; child; child = child.nextSibling) {
      this.statementNode(child);
    }
  }

  private dispatchStatement(node: SyntaxNode): void {
    switch (node.name) {
      case 'Body':
      case 'StatementGroup':
        return this.statements(node);
      case 'AssignStatement':
        return this.assignment(node);
      case 'UpdateStatement':
        return this.augmentedAssignment(node);
      case 'DeleteStatement':
        return children(node).slice(1).forEach(target => this.deleteTarget(target));
      case 'ImportStatement':
        return this.importStatement(node);
      case 'ScopeStatement':
        return this.scopeStatement(node);
      case 'FunctionDefinition':
        return this.functionDefinition(node, []);
      case 'ClassDefinition':
        return this.classDefinition(node, []);
      case 'DecoratedStatement':
        return this.decorated(node);
      case 'TypeDefinition':
        return this.typeDefinition(node);
      case 'IfStatement':
        return this.ifStatement(node);
      case 'WhileStatement':
        return this.whileStatement(node);
      case 'ForStatement':
        return this.forStatement(node);
      case 'TryStatement':
        return this.tryStatement(node);
      case 'WithStatement':
        return this.withStatement(node);
      case 'MatchStatement':
        return this.matchStatement(node);
      case 'YieldStatement':
        return this.yielded(node);
      case 'ReturnStatement':
        this.expressionChildren(node);
        return this.escapeValue(node);
      case 'PrintStatement':
        this.report('error', 'syntax-error', 'Python 2 print statement: write print(...) instead.', node.from);
        return this.expressionChildren(node);
      case 'Comment':
        return;
      default:
        // ExpressionStatement, Return/Raise/Assert, Pass/Break/Continue, error nodes.
        return this.expressionChildren(node);
    }
  }

  private assignment(node: SyntaxNode): void {
    const parts = split(children(node), n => n.name === 'AssignOp');
    const typeDef = parts[0].find(n => n.name === 'TypeDef') ?? null;
    const targets = parts.map(part => part.filter(n => n.name !== 'TypeDef'));
    if (parts.length === 1) {
      // `x: int` — an annotation without a value binds nothing (it makes x local in a function).
      this.expressionChildren(typeDef);
      const [target] = targets[0];
      if (target?.name === 'VariableName' && this.scope.kind !== 'module') {
        this.scope.bound.add(this.text(target));
      }
      return;
    }
    const value = targets.pop()!;
    value.forEach(n => this.expression(n));
    this.expressionChildren(typeDef);
    const kind = valueKind(value, this.code);
    const source = this.aliasSource(value);
    for (const target of targets) {
      this.targetList(target, node.to, kind, source);
    }
  }

  /** A comma-separated target list (`a, *b = ...`) or a single target. */
  private targetList(nodes: SyntaxNode[], offset: number, kind: [ValueKind, string | null], source: AliasSource = NO_ALIAS): void {
    const items = split(nodes, n => n.name === ',');
    if (items.length === 1 && items[0].length === 1) {
      return this.target(items[0][0], offset, kind, source);
    }
    // Unpacking: a literal's items go to the targets one by one when they line up (no starred
    // item on either side); otherwise any target may get any item.
    const valueItems = source.items;
    const paired = valueItems !== null && valueItems.length === items.length && [...valueItems, ...items].every(item => item.length === 1);
    const whole: AliasSource = paired ? NO_ALIAS : { roots: this.itemRoots(source), items: null };
    items.forEach((item, i) => {
      this.target(item[item.length - 1], offset, ['unknown', null], paired ? this.aliasSource(valueItems[i]) : whole);
    });
  }

  private target(node: SyntaxNode, offset: number, [value, callee]: [ValueKind, string | null] = ['unknown', null], source: AliasSource = NO_ALIAS): void {
    switch (node.name) {
      case 'VariableName':
        return this.bind(this.text(node), offset, 'assign', value, callee, this.scope, source.roots);
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'ParenthesizedExpression':
        return this.targetList(
          children(node).filter(n => n.name !== '(' && n.name !== ')' && n.name !== '[' && n.name !== ']' && n.name !== '*'),
          offset,
          [value, callee],
          source
        );
      case 'MemberExpression':
        this.expression(node);
        return this.mutateRoot(node);
      default:
        return this.expression(node);
    }
  }

  private mutateRoot(node: SyntaxNode): void {
    const root = rootNode(node);
    if (root) {
      this.use('mutation', this.text(root), root.from);
    }
  }

  private augmentedAssignment(node: SyntaxNode): void {
    const [target, , ...value] = children(node);
    value.forEach(n => this.expression(n));
    if (target.name === 'VariableName') {
      const name = this.text(target);
      this.use('load', name, target.from);
      this.use('mutation', name, target.from);
      this.bind(name, node.to, 'assign', 'unknown', null, this.scope, null); // `ys += [1]` still is what ys was
    } else {
      this.target(target, node.to);
    }
  }

  private deleteTarget(node: SyntaxNode): void {
    switch (node.name) {
      case 'VariableName':
        return this.unbind(this.text(node), node.to);
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'ParenthesizedExpression':
        return children(node).forEach(child => this.deleteTarget(child));
      case 'MemberExpression':
        this.expression(node);
        return this.mutateRoot(node);
      default:
        return;
    }
  }

  private importStatement(node: SyntaxNode): void {
    const nodes = children(node);
    const end = node.to;
    const importAt = nodes.findIndex(n => n.name === 'import');
    // `from ..pkg.mod import x`: the module the names come from, as written.
    const from = nodes[0]?.name === 'from' ? nodes.slice(1, importAt).map(n => this.text(n)).join('') : null;
    let i = importAt + 1;
    while (i < nodes.length) {
      const n = nodes[i];
      if (n.name === '*') {
        this.starImport(node);
      } else if (n.name === 'VariableName') {
        // `import a.b.c` binds `a`; `from m import a` binds `a`; `... as z` binds `z`.
        const first = this.text(n);
        let path = first;
        while (nodes[i + 1]?.name === '.') {
          path += '.' + (nodes[i + 2] ? this.text(nodes[i + 2]) : '');
          i += 2;
        }
        const full = from === null ? path : from.endsWith('.') ? from + path : `${from}.${path}`;
        if (nodes[i + 1]?.name === 'as' && nodes[i + 2]) {
          this.bindImport(this.text(nodes[i + 2]), end, full);
          i += 2;
        } else {
          this.bindImport(first, end, from === null ? first : full);
        }
      }
      i++;
    }
  }

  private starImport(node: SyntaxNode): void {
    this.bindsUnknownNames = true;
    this.report(
      'warning',
      'opaque-code',
      '`import *` hides which names it defines: cellpipe assumes that any name it cannot find comes from it. Import the names you use instead.',
      node.from
    );
    if (this.scope.kind === 'module') {
      this.bindModule('*', node.to, 'import', 'data');
    }
  }

  private scopeStatement(node: SyntaxNode): void {
    const [keyword, ...names] = children(node);
    if (this.scope.kind === 'module') {
      return;
    }
    const set = keyword.name === 'global' ? this.scope.globals : this.scope.nonlocals;
    names.filter(n => n.name === 'VariableName').forEach(n => set.add(this.text(n)));
  }

  private decorated(node: SyntaxNode): void {
    const nodes = children(node);
    const definition = nodes[nodes.length - 1];
    const decorators = nodes.filter(n => n.name === 'Decorator');
    if (definition.name === 'ClassDefinition') {
      this.classDefinition(definition, decorators);
    } else {
      this.functionDefinition(definition, decorators);
    }
  }

  /** Decorators are evaluated where the definition is: `@a.b(c)` loads `a` and `c`. */
  private decorators(decorators: SyntaxNode[]): void {
    for (const decorator of decorators) {
      const name = decorator.getChild('VariableName');
      if (name) {
        this.load(name);
      }
      const args = decorator.getChild('ArgList');
      if (args) {
        this.callArguments(args, false, null);
      }
    }
  }

  /**
   * Parameters of a def or lambda: defaults and annotations are evaluated in the enclosing scope,
   * now; the names are bound in the new scope.
   */
  private parameters(list: SyntaxNode | null, scope: Scope): void {
    let expectName = true;
    let isDefault = false;
    for (let n = list?.firstChild ?? null; n; n = n.nextSibling) {
      if (isDefault) {
        this.expression(n);
        if (this.scope.effects) {
          this.escape(this.aliasedBy(n)); // `def inner(rows=rows)` keeps the value
        }
        isDefault = false;
      } else if (n.name === 'VariableName' && expectName) {
        scope.bound.add(this.text(n));
        expectName = false;
      } else if (n.name === 'TypeDef') {
        this.expressionChildren(n);
      } else if (n.name === 'AssignOp') {
        isDefault = true;
      } else if (n.name === ',') {
        expectName = true;
      }
    }
  }

  /**
   * A function defined at module level: its parameters, by kind, each made an alias of a marker
   * standing for the value it is called with (see ParameterEffects).
   */
  private trackParameters(name: string, list: SyntaxNode | null, scope: Scope, decorated: boolean): void {
    const parameters: FunctionParameter[] = [];
    let kind: FunctionParameter['kind'] = 'any';
    let expectName = true;
    let isDefault = false;
    let star: 'args' | 'kwargs' | null = null;
    let end = list?.from ?? 0;
    for (let n = list?.firstChild ?? null; n; n = n.nextSibling) {
      if (this.code.slice(end, n.from).includes('/')) {
        // `/` leaves no node: everything before it is positional-only
        parameters.forEach(p => p.kind === 'any' && (p.kind = 'positional'));
      }
      end = n.to;
      if (isDefault) {
        isDefault = false;
      } else if (n.name === 'VariableName' && expectName) {
        parameters.push({ name: this.text(n), kind: star ?? kind });
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
    const effects: ParameterEffects = { markers: new Map(), markerOf: new Map(), changed: new Set(), passes: new Map() };
    parameters.forEach((parameter, index) => {
      if (parameter.kind !== 'args' && parameter.kind !== 'kwargs') {
        const marker = `\u0000${index}`;
        effects.markers.set(marker, index);
        effects.markerOf.set(parameter.name, marker);
        scope.aliases.set(parameter.name, [{ scope, name: marker }]);
      }
    });
    scope.effects = effects;
    this.statement.functions.push({ facts: { name, parameters, decorated, changes: [], passes: [] }, scope });
  }

  private typeParameters(list: SyntaxNode | null, scope: Scope): void {
    for (const param of list?.getChildren('TypeParam') ?? []) {
      const name = param.getChild('VariableName');
      if (name) {
        scope.bound.add(this.text(name));
      }
      this.expressionChildren(param.getChild('TypeDef'));
    }
  }

  private functionDefinition(node: SyntaxNode, decorators: SyntaxNode[]): void {
    this.decorators(decorators);
    const name = node.getChild('VariableName');
    const scope = new Scope('function', this.scope);
    this.typeParameters(node.getChild('TypeParamList'), scope);
    this.parameters(node.getChild('ParamList'), scope);
    if (name && this.scope.kind === 'module') {
      this.trackParameters(this.text(name), node.getChild('ParamList'), scope, decorators.length > 0);
    }
    this.expressionChildren(node.getChild('TypeDef'));
    this.withScope(scope, () => this.statements(node.getChild('Body')));
    if (name) {
      const text = this.text(name);
      if (this.scope.kind === 'class') {
        this.classMethods.add(text);
      }
      if (this.scope.kind === 'module' && scope.isGenerator) {
        this.statement.generators.push(text);
      }
      this.bind(text, node.to, 'def');
    }
  }

  private classDefinition(node: SyntaxNode, decorators: SyntaxNode[]): void {
    this.decorators(decorators);
    const name = node.getChild('VariableName');
    const scope = new Scope('class', this.scope);
    this.typeParameters(node.getChild('TypeParamList'), scope);
    const bases = node.getChild('ArgList');
    if (bases) {
      this.callArguments(bases, true);
    }
    this.withScope(scope, () => this.statements(node.getChild('Body')));
    if (name) {
      const text = this.text(name);
      if (this.scope.kind === 'module') {
        this.statement.classes.push(text);
      }
      this.bind(text, node.to, 'class');
    }
  }

  /** `type X[T] = value`: the value is evaluated lazily, like a function body. */
  private typeDefinition(node: SyntaxNode): void {
    const nodes = children(node);
    const name = nodes.find(n => n.name === 'VariableName');
    const scope = new Scope('function', this.scope);
    this.typeParameters(node.getChild('TypeParamList'), scope);
    const value = nodes[nodes.length - 1];
    this.withScope(scope, () => this.expression(value));
    if (name) {
      this.bind(this.text(name), node.to, 'type');
    }
  }

  /** Children of a compound statement, grouped from one keyword to the next. */
  private clauses(node: SyntaxNode, keywords: ReadonlySet<string>): SyntaxNode[][] {
    const clauses: SyntaxNode[][] = [];
    for (const child of children(node)) {
      if (keywords.has(child.name) || clauses.length === 0) {
        clauses.push([child]);
      } else {
        clauses[clauses.length - 1].push(child);
      }
    }
    return clauses;
  }

  /** Walks a clause `keyword test... Body`: its expressions, then its body. */
  private clause(nodes: SyntaxNode[]): void {
    for (const n of nodes.slice(1)) {
      if (n.name === 'Body') {
        this.statements(n);
      } else {
        this.expression(n);
      }
    }
  }

  private ifStatement(node: SyntaxNode): void {
    const clauses = this.clauses(node, new Set(['if', 'elif', 'else']));
    const [first, ...rest] = clauses;
    // The first test always runs; everything else depends on it.
    first.slice(1, -1).forEach(n => this.expression(n));
    const firstBody = first[first.length - 1];
    this.branches(
      [() => this.statements(firstBody), ...rest.map(clause => () => this.clause(clause))],
      clauses[clauses.length - 1][0].name === 'else',
      node.to
    );
  }

  private whileStatement(node: SyntaxNode): void {
    const [loop, ...rest] = this.clauses(node, new Set(['while', 'else']));
    loop.slice(1, -1).forEach(n => this.expression(n));
    this.conditionally(() => {
      this.loopBody(loop[loop.length - 1]);
      rest.forEach(clause => this.clause(clause));
    });
  }

  /**
   * A loop body. A change in place early in the body reaches, on the next pass, what a name is
   * bound to later in it (`prev.append(x)` ... `prev = row`): after the body, every change in it is
   * applied again to the aliases its name has then.
   */
  private loopBody(body: SyntaxNode): void {
    const uses: LoopUse[] = [];
    this.loops.push(uses);
    try {
      this.statements(body);
    } finally {
      this.loops.pop();
    }
    const outer = this.loops[this.loops.length - 1];
    for (const use of uses) {
      this.changeRoots(use.kind, use.name, use.offset, use.scope, use.call);
      outer?.push(use);
    }
  }

  private forStatement(node: SyntaxNode): void {
    const nodes = children(node);
    const inIndex = nodes.findIndex(n => n.name === 'in');
    const body = nodes.findIndex(n => n.name === 'Body');
    const iterables = nodes.slice(inIndex + 1, body);
    iterables.forEach(n => this.expression(n));
    const targets = nodes.slice(nodes.findIndex(n => n.name === 'for') + 1, inIndex).filter(n => n.name !== '*');
    const bindAt = iterables[iterables.length - 1]?.to ?? node.from;
    const items: AliasSource = { roots: this.iteratedRoots(iterables), items: null };
    this.conditionally(() => {
      this.targetList(targets, bindAt, ['unknown', null], items);
      this.loopBody(nodes[body]);
      const elseBody = nodes.slice(body + 1).find(n => n.name === 'Body');
      this.statements(elseBody ?? null);
    });
  }

  private tryStatement(node: SyntaxNode): void {
    const clauses = this.clauses(node, new Set(['try', 'except', 'else', 'finally']));
    const of = (keyword: string): SyntaxNode[][] => clauses.filter(c => c[0].name === keyword);
    const handlers = of('except');
    const main = (): void => {
      this.clause(clauses[0]);
      of('else').forEach(clause => this.clause(clause));
    };
    if (handlers.length === 0) {
      main();
    } else {
      this.branches([main, ...handlers.map(handler => () => this.exceptHandler(handler))], true, node.to);
    }
    of('finally').forEach(clause => this.clause(clause));
  }

  /** `except E as e:` binds `e` for the handler and unbinds it at its end. */
  private exceptHandler(nodes: SyntaxNode[]): void {
    const asIndex = nodes.findIndex(n => n.name === 'as' || n.name === ',');
    const bodyIndex = nodes.findIndex(n => n.name === 'Body');
    nodes.slice(1, asIndex >= 0 ? asIndex : bodyIndex).forEach(n => this.expression(n));
    const name = asIndex >= 0 ? nodes[asIndex + 1] : null;
    if (name?.name === 'VariableName') {
      this.bind(this.text(name), name.to, 'assign');
    }
    this.statements(nodes[bodyIndex] ?? null);
    if (name?.name === 'VariableName') {
      this.unbind(this.text(name), nodes[bodyIndex]?.to ?? name.to);
    }
  }

  private withStatement(node: SyntaxNode): void {
    const nodes = children(node);
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.name === 'Body') {
        this.statements(n);
      } else if (n.name === 'as' && nodes[i + 1]) {
        const value = valueKind([nodes[i - 1]], this.code);
        this.target(nodes[i + 1], nodes[i + 1].to, value, this.aliasSource([nodes[i - 1]]));
        i++;
      } else if (n.name !== 'with' && n.name !== 'async' && n.name !== ',') {
        this.expression(n);
      }
    }
  }

  private matchStatement(node: SyntaxNode): void {
    const nodes = children(node);
    const body = nodes.find(n => n.name === 'MatchBody');
    const subject = nodes.filter(n => n !== body && n.name !== 'match' && n.name !== '*');
    subject.forEach(n => this.expression(n));
    // Captures are bound to the subject or to parts of it.
    const outerRoots = this.patternRoots;
    this.patternRoots = this.itemRoots(this.aliasSource(subject));
    try {
      this.matchCases(node, body);
    } finally {
      this.patternRoots = outerRoots;
    }
  }

  private matchCases(node: SyntaxNode, body: SyntaxNode | undefined): void {
    const cases = body?.getChildren('MatchClause') ?? [];
    const irrefutable = (clause: SyntaxNode): boolean => {
      const pattern = clause.firstChild?.nextSibling;
      return !clause.getChild('Guard') && pattern?.name === 'CapturePattern';
    };
    this.branches(
      cases.map(clause => () => {
        for (const n of children(clause).slice(1)) {
          if (n.name === 'Body') {
            this.statements(n);
          } else if (n.name === 'Guard') {
            this.expressionChildren(n);
          } else {
            this.pattern(n);
          }
        }
      }),
      cases.length > 0 && irrefutable(cases[cases.length - 1]),
      node.to
    );
  }

  private pattern(node: SyntaxNode): void {
    switch (node.name) {
      case 'CapturePattern': {
        const name = this.text(node);
        if (name !== '_') {
          this.bind(name, node.to, 'assign', 'unknown', null, this.scope, this.patternRoots);
        }
        return;
      }
      case 'AsPattern': {
        const nodes = children(node);
        this.pattern(nodes[0]);
        const name = nodes[nodes.length - 1];
        return this.bind(this.text(name), name.to, 'assign', 'unknown', null, this.scope, this.patternRoots);
      }
      case 'ClassPattern':
      case 'AttributePattern': {
        const first = node.firstChild;
        if (first?.name === 'VariableName') {
          this.load(first);
        } else if (first) {
          this.pattern(first);
        }
        return this.pattern(node.getChild('PatternArgList') ?? first!);
      }
      case 'MappingPattern': {
        let isKey = true;
        for (const n of children(node)) {
          if (n.name === ':' || n.name === '**') {
            isKey = false;
          } else if (n.name === ',') {
            isKey = true;
          } else if (isKey && n.name === 'VariableName') {
            this.load(n);
          } else {
            this.pattern(n);
          }
        }
        return;
      }
      case 'KeywordPattern':
        return this.pattern(node.lastChild!);
      case 'VariableName':
      case 'LiteralPattern':
        return;
      default:
        // OrPattern, SequencePattern, StarPattern, PatternArgList
        return children(node).forEach(child => this.pattern(child));
    }
  }

  // ---------------------------------------------------------------- expressions

  private expressionChildren(node: SyntaxNode | null): void {
    for (let child = node?.firstChild ?? null; child; child = child.nextSibling) {
      this.expression(child);
    }
  }

  private expression(node: SyntaxNode): void {
    this.guarded(node, this.dispatchExpression);
  }

  private dispatchExpression(node: SyntaxNode): void {
    const name = node.name;
    if (COMPREHENSIONS.has(name)) {
      return this.comprehension(children(node).slice(1, -1));
    }
    switch (name) {
      case 'VariableName':
        return this.load(node);
      case 'CallExpression':
        return this.call(node);
      case 'LambdaExpression':
        return this.lambda(node);
      case 'NamedExpression':
        return this.walrus(node);
      case 'YieldExpression':
        return this.yielded(node);
      case 'BinaryExpression':
      case 'ConditionalExpression':
        if (name === 'ConditionalExpression' || node.getChild('and') || node.getChild('or')) {
          // Short-circuit: a walrus in the later operands may not run.
          const [first, ...rest] = children(node);
          this.expression(first);
          return this.conditionally(() => rest.forEach(n => this.expression(n)));
        }
        return this.expressionChildren(node);
      case 'String':
      case 'Number':
      case 'PropertyName':
      case 'Comment':
        return;
      default:
        return this.expressionChildren(node);
    }
  }

  /**
   * `return v`, `yield v`, `yield from v` in a module-level function: the names v may be or hold
   * escape. More than the alias rules, since a caller may change what it gets: v may be a display
   * holding them (`return rows, {"model": m}`), a comprehension whose element is not a new value
   * (`[r for r in rows if ...]` holds items of rows), or a builtin handing on items (`sorted(rows)`).
   */
  private escapeValue(node: SyntaxNode): void {
    if (!this.scope.effects) {
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
        if (element.some(e => DISPLAYS.has(e.name) || COMPREHENSIONS.has(e.name) || this.aliasedBy(e).length > 0)) {
          roots.push(...this.iteratedRoots(held));
        }
      } else if (n.name === 'CallExpression' && n.firstChild?.name === 'VariableName' && ITEM_BUILTINS.has(this.text(n.firstChild))) {
        const args = n.lastChild;
        for (let c = args?.firstChild ?? null; c; c = c.nextSibling) {
          if (!(c.name === 'VariableName' && c.nextSibling?.name === 'AssignOp')) {
            stack.push(c);
          }
        }
      } else {
        roots.push(...this.aliasedBy(n));
      }
    }
    this.escape(roots);
  }

  /** `yield` (a statement or an expression): its function is a generator, and the value leaves it. */
  private yielded(node: SyntaxNode): void {
    this.markGenerator();
    this.expressionChildren(node);
    this.escapeValue(node);
  }

  private markGenerator(): void {
    const scope = this.scope.enclosingFunction();
    if (scope) {
      scope.isGenerator = true;
    }
  }

  private walrus(node: SyntaxNode): void {
    const [target, , value] = children(node);
    if (value) {
      this.expression(value);
    }
    if (target?.name === 'VariableName') {
      const scope = this.scope.walrusTarget();
      this.bind(this.text(target), node.to, 'assign', 'unknown', null, scope, value ? this.aliasedBy(value) : NO_ROOTS);
    }
  }

  private call(node: SyntaxNode): void {
    const callee = node.firstChild!;
    const args = node.lastChild!;
    this.expression(callee);
    const calleeName = callee.name === 'VariableName' ? this.text(callee) : null;
    const property = callee.name === 'MemberExpression' ? callee.getChild('PropertyName') : null;
    const method = property ? this.text(property) : null;
    // `df.dropna(inplace=True)` and `np.add(a, b, out=c)` change what they are given.
    const inPlace = args.name === 'ArgList' && this.hasKeyword(args, IN_PLACE_KEYWORDS);
    const last = method ?? calleeName;
    if (last !== null && STATE_SETTER_NAMES.has(last)) {
      this.stateCall(callee);
    }
    const trusted = method !== null && !this.distrusted.has(method) && !inPlace;
    const readOnly = trusted && READ_ONLY_METHODS.has(method);
    if (method !== null && !readOnly) {
      this.mutateRoot(callee); // x.append(1), df.fillna(0, inplace=True)
    }
    const shadowed = calleeName !== null && this.moduleBound.has(calleeName);
    if (calleeName && OPAQUE_CALLS.has(calleeName) && !shadowed) {
      const hasArguments = args.firstChild?.nextSibling?.name !== ')';
      if (calleeName !== 'vars' || !hasArguments) {
        this.opaque = true;
        this.report(
          'warning',
          'opaque-code',
          `${calleeName}() hides which variables this code reads and changes: cellpipe assumes it uses and changes every variable defined above, so the step waits for all earlier steps. Write the code out to let steps run in parallel.`,
          node.from
        );
      }
    }
    const pure =
      (calleeName !== null && PURE_BUILTINS.has(calleeName) && !shadowed) ||
      readOnly ||
      (trusted && ARGUMENT_PRESERVING_METHODS.has(method));
    if (args.name === 'ArgList') {
      this.callArguments(args, pure, pure ? null : calleeName);
    }
  }

  /** `random.seed(...)`-like calls through a dotted name: recorded for dataflow to resolve. */
  private stateCall(callee: SyntaxNode): void {
    const parts: string[] = [];
    let node: SyntaxNode | null = callee;
    while (node?.name === 'MemberExpression') {
      const property = node.lastChild;
      if (property?.name !== 'PropertyName' || property.prevSibling?.name !== '.') {
        return; // a subscript or a call in the chain: not a module's function
      }
      parts.push(this.text(property));
      node = node.firstChild;
    }
    if (node?.name !== 'VariableName') {
      return;
    }
    const root = this.text(node);
    parts.push(root);
    this.statement.stateCalls.push({ ...this.site(root, callee.from), chain: parts.reverse().join('.') });
  }

  /** Whether a call passes one of these keyword arguments. */
  private hasKeyword(args: SyntaxNode, keywords: ReadonlySet<string>): boolean {
    const nodes = children(args);
    return nodes.some(
      (n, i) => n.name === 'VariableName' && nodes[i + 1]?.name === 'AssignOp' && keywords.has(this.text(n))
    );
  }

  /**
   * A call's arguments; a bare name passed to a call that is not known to be pure may be changed.
   * `callee`: the called plain name, which may be a notebook function; the argument's slot (position
   * or keyword) is recorded with it. Starred arguments, and positions after one, have no slot.
   */
  private callArguments(args: SyntaxNode, pure: boolean, callee: string | null = null): void {
    const nodes = children(args);
    if (nodes.some(n => n.name === 'for')) {
      return this.comprehension(nodes.slice(1, -1)); // f(x for x in xs)
    }
    // The next positional argument's index; -1 once unknown (after `*xs`) or not needed.
    let position = callee === null ? -1 : 0;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      const next = nodes[i + 1];
      if (n.name === 'VariableName' && next?.name === 'AssignOp') {
        const value = nodes[i + 2];
        const walrus = this.text(next) === ':=';
        if (value) {
          this.argument(value, pure, callee, walrus ? position : this.text(n));
        }
        if (walrus) {
          position = position === -1 ? -1 : position + 1;
          const roots = value ? this.aliasedBy(value) : NO_ROOTS;
          this.bind(this.text(n), (value ?? next).to, 'assign', 'unknown', null, this.scope.walrusTarget(), roots);
        }
        i += 2;
      } else if (n.name === '*' || n.name === '**') {
        if (next) {
          this.argument(next, pure, null, -1);
          i++;
        }
        if (n.name === '*') {
          position = -1;
        }
      } else if (n.name !== '(' && n.name !== ')' && n.name !== ',') {
        this.argument(n, pure, callee, position);
        position = position === -1 ? -1 : position + 1;
      }
    }
  }

  /** An argument at `slot` (a position, a keyword, or -1 for none) of a call of `callee`. */
  private argument(node: SyntaxNode, pure: boolean, callee: string | null, slot: number | string): void {
    this.expression(node);
    if (!pure && node.name === 'VariableName') {
      const call = callee === null || slot === -1 ? null : { callee, slot, scope: this.scope };
      this.use('argument', this.text(node), node.from, call);
    }
  }

  private lambda(node: SyntaxNode): void {
    const scope = new Scope('lambda', this.scope);
    this.parameters(node.getChild('ParamList'), scope);
    const body = node.lastChild;
    this.withScope(scope, () => this.conditionally(() => body && this.expression(body)));
  }

  /**
   * A comprehension's nodes without brackets: `element for targets in iterable (if cond | for ...)*`.
   * The first iterable is evaluated in the enclosing scope; the rest in the comprehension's own.
   */
  private comprehension(nodes: SyntaxNode[]): void {
    const isClauseStart = (n: SyntaxNode): boolean => n.name === 'for' || n.name === 'if' || n.name === 'async';
    const firstClause = nodes.findIndex(isClauseStart);
    const element = nodes.slice(0, firstClause);
    const clauses = this.splitClauses(nodes.slice(firstClause), isClauseStart);
    const scope = new Scope('comprehension', this.scope);
    const first = clauses[0];
    const firstIn = first ? first.nodes.findIndex(n => n.name === 'in') : -1;
    const firstIterable = first?.nodes.slice(firstIn + 1) ?? [];
    firstIterable.forEach(n => this.expression(n));
    const firstRoots = this.iteratedRoots(firstIterable);
    this.withScope(scope, () =>
      this.conditionally(() => {
        clauses.forEach((clause, index) => {
          const inIndex = clause.keyword === 'for' ? clause.nodes.findIndex(n => n.name === 'in') : -1;
          const iterable = clause.nodes.slice(inIndex + 1);
          if (index > 0) {
            iterable.forEach(n => this.expression(n));
          }
          if (clause.keyword === 'for') {
            const roots = index === 0 ? firstRoots : this.iteratedRoots(iterable);
            this.targetList(clause.nodes.slice(0, inIndex), 0, ['unknown', null], { roots, items: null });
          }
        });
        element.forEach(n => this.expression(n));
      })
    );
  }

  // ---------------------------------------------------------------- aliases (see AliasSource)

  /** What an assigned value (its nodes, comma-separated) shares with other names. */
  private aliasSource(value: SyntaxNode[]): AliasSource {
    if (value.length !== 1) {
      return { roots: NO_ROOTS, items: split(value, n => n.name === ',') }; // `xs, ys`
    }
    const node = value[0];
    if (node.name === 'TupleExpression' || node.name === 'ArrayExpression') {
      return { roots: NO_ROOTS, items: split(children(node).slice(1, -1), n => n.name === ',') };
    }
    return { roots: this.aliasedBy(node), items: null };
  }

  /** Everything a value or any of its items may share (for targets it cannot be paired with). */
  private itemRoots(source: AliasSource): readonly AliasRoot[] {
    if (source.items === null) {
      return source.roots;
    }
    const roots = new Roots();
    roots.addAll(source.roots);
    for (const item of source.items) {
      roots.addAll(this.aliasedBy(item[item.length - 1])); // `*xs` hands on items of xs
    }
    return roots.result();
  }

  /**
   * The names an expression's value may be the value of, with their own roots: `xs`, `d["k"][0]`,
   * `model.layers`, `(xs)`, `a or b`, `a if c else b`, `(y := xs)`. Empty for calls, literals and
   * other operators, which make new values.
   */
  private aliasedBy(node: SyntaxNode): readonly AliasRoot[] {
    let roots: Roots | null = null;
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop()!;
      switch (n.name) {
        case 'VariableName':
          this.addRoot((roots ??= new Roots()), this.text(n));
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
  private iteratedRoots(iterable: SyntaxNode[]): readonly AliasRoot[] {
    const names: string[] = [];
    let local: Set<string> | null = null;
    const stack = [...iterable];
    while (stack.length > 0) {
      const n = stack.pop()!;
      const name = n.name;
      if (name === 'VariableName') {
        names.push(this.text(n));
      } else if (name === 'CallExpression') {
        const callee = n.firstChild!;
        const args = n.lastChild!;
        if (callee.name !== 'VariableName') {
          stack.push(callee); // `d.items()` iterates d
        } else {
          const called = this.text(callee);
          if (FRESH_VALUE_BUILTINS.has(called) && !this.moduleBound.has(called)) {
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

  /** `name`, used in the current scope, and what it may share in turn. */
  private addRoot(roots: Roots, name: string): void {
    roots.add(this.scope, name);
    const more = this.aliasesOf(name, this.scope);
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
        into.add(this.text(n));
      }
      for (let c = n.firstChild; c; c = c.nextSibling) {
        stack.push(c);
      }
    }
  }

  private splitClauses(nodes: SyntaxNode[], isClauseStart: (n: SyntaxNode) => boolean): { keyword: string; nodes: SyntaxNode[] }[] {
    const clauses: { keyword: string; nodes: SyntaxNode[] }[] = [];
    for (const n of nodes) {
      if (n.name === 'async') {
        continue;
      }
      if (isClauseStart(n)) {
        clauses.push({ keyword: n.name, nodes: [] });
      } else {
        clauses[clauses.length - 1]?.nodes.push(n);
      }
    }
    return clauses;
  }
}
