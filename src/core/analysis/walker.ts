/**
 * The walker: reads one cell's syntax tree (@lezer/python) with Python's scoping and control flow,
 * records the module-level bindings, resolves every use of a name to the scope it refers to, and
 * fires hooks (walkHooks.ts) that the analyses plug into (walkCell.ts). Node names are those of
 * @lezer/python's grammar (node_modules/@lezer/python/src/python.grammar).
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { diagnostic, type Diagnostic } from '../notebook';
import { callEffects } from './callEffects';
import { hookListeners, type HookListeners } from './hookListeners';
import { LineIndex } from './lineIndex';
import { boundInEveryBranch, ModuleBindings, type BindVia, type RawBinding } from './moduleBindings';
import { isPlaceholder, Scope, type CallSlot, type UseKind } from './scopes';
import { children, COMPREHENSIONS, displayItems, rootNode, split, valueKind } from './syntax';
import type { ModuleBinding, NameSite, ValueKind } from './types';
import {
  NEW_VALUE,
  WALK_HOOKS,
  UNCHANGED_VALUE,
  type BoundValue,
  type CallSite,
  type Definition,
  type ModuleNameUse,
  type WalkContext,
  type WalkHooks
} from './walkHooks';

/**
 * Deeper syntax than this is not walked name by name: every name in it counts as loaded. CPython
 * itself rejects expressions nested more than 200 levels deep, so no runnable code gets here.
 */
const MAX_DEPTH = 400;

/** The top-level statement being walked. */
interface StatementState {
  firstBinding: number;
  /** Scopes opened in it, whose pending uses are resolved at its end. */
  scopes: Scope[];
  vias: Set<BindVia>;
}

export class CellWalker implements WalkContext {
  readonly module = new Scope('module', null);
  private currentScope = this.module;
  private conditionalDepth = 0;
  private depth = 0;
  private tooDeepReported = false;
  private readonly lines: LineIndex;
  readonly bindings: ModuleBindings;
  readonly diagnostics: Diagnostic[] = [];
  private statement: StatementState = { firstBinding: 0, scopes: [], vias: new Set() };
  private on: HookListeners<WalkHooks> = hookListeners<WalkHooks>([], WALK_HOOKS);
  /** What the capture patterns of the `match` being walked get: items of its subject. */
  private patternValue: BoundValue = NEW_VALUE;

  /**
   * @param code the cell source with IPython magics blanked out
   * @param distrusted trusted library method names the notebook's own classes redefine (callEffects.ts)
   */
  constructor(
    readonly code: string,
    private readonly distrusted: ReadonlySet<string> = new Set()
  ) {
    this.lines = new LineIndex(code);
    this.bindings = new ModuleBindings(this.lines);
  }

  /** Walks the tree once, firing the analyses' hooks in source order. */
  walk(tree: Tree, analyses: readonly WalkHooks[]): void {
    this.on = hookListeners(analyses, WALK_HOOKS);
    for (let node = tree.topNode.firstChild; node; node = node.nextSibling) {
      this.topLevelStatement(node);
    }
  }

  // ---------------------------------------------------------------- WalkContext

  get scope(): Scope {
    return this.currentScope;
  }

  get conditional(): number {
    return this.conditionalDepth;
  }

  text(node: SyntaxNode): string {
    return this.code.slice(node.from, node.to);
  }

  site(name: string, offset: number): NameSite {
    const { line, column } = this.lines.position(offset);
    return { name, offset, line, column };
  }

  line(offset: number): number {
    return this.lines.position(offset).line;
  }

  report(severity: Diagnostic['severity'], code: string, message: string, offset: number): void {
    const { line, column } = this.lines.position(offset);
    this.diagnostics.push(diagnostic(severity, code, message, null, line, column));
  }

  isModuleBound(name: string): boolean {
    return this.bindings.hasBound(name);
  }

  record(kind: UseKind, name: string, offset: number, scope: Scope, call: CallSlot | null = null): void {
    if (scope.kind === 'class' && scope.bound.has(name) && !scope.globals.has(name)) {
      return; // the class's own attribute, bound earlier in its body
    }
    const bound = this.bindings.isDefinitelyBound(name);
    if (scope.kind === 'module') {
      this.useModuleName({ kind, name, offset, deferred: false, bound, call });
    } else {
      scope.pending.push({ kind, name, offset, moduleBound: bound, call });
    }
  }

  useModuleName(use: ModuleNameUse): void {
    for (const hook of this.on.moduleNameUsed) {
      hook(use);
    }
  }

  // ---------------------------------------------------------------- names

  /** `call`: for kind 'argument', the call the name is passed to, when it may be a notebook function. */
  private use(kind: UseKind, name: string, offset: number, call: CallSlot | null = null): void {
    if (kind !== 'load') {
      const change = { kind, name, offset, scope: this.currentScope, call };
      for (const hook of this.on.nameChanged) {
        hook(change);
      }
    }
    this.record(kind, name, offset, this.currentScope, call);
  }

  private load(node: SyntaxNode): void {
    this.use('load', this.text(node), node.from);
  }

  /** Announces a value where it is computed (see BoundValue). */
  private evaluated(value: BoundValue): BoundValue {
    for (const hook of this.on.valueEvaluated) {
      hook(value);
    }
    return value;
  }

  /** Binds `name` in `scope` to `value`; `kind`: what is statically known about the value. */
  private bind(
    name: string,
    offset: number,
    via: BindVia,
    [kind, callee]: [ValueKind, string | null] = ['unknown', null],
    scope = this.currentScope,
    value: BoundValue = NEW_VALUE
  ): void {
    this.evaluated(value);
    if (scope.kind === 'module' || scope.globals.has(name)) {
      if (scope.deferred) {
        for (const hook of this.on.globalBoundInFunction) {
          hook(name, scope, value);
        }
      } else {
        this.bindModule(name, offset, via, 'data', kind, callee);
      }
    } else if (!scope.nonlocals.has(name)) {
      scope.bound.add(name);
    }
    this.bound(name, scope, value);
  }

  private bound(name: string, scope: Scope, value: BoundValue): void {
    for (const hook of this.on.nameBound) {
      hook(name, scope, value);
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
    this.bindings.add(name, offset, this.conditionalDepth, via, kind, value, callee, module);
    this.statement.vias.add(via);
  }

  private unbind(name: string, offset: number): void {
    if (this.currentScope.kind === 'module') {
      this.bindModule(name, offset, 'assign', 'deleted');
      this.bound(name, this.currentScope, NEW_VALUE);
    } else {
      this.bind(name, offset, 'assign');
    }
  }

  // ---------------------------------------------------------------- scopes and control flow

  private withScope(scope: Scope, body: () => void): void {
    const outer = this.currentScope;
    this.currentScope = scope;
    scope.conditionalBase = this.conditionalDepth;
    this.statement.scopes.push(scope);
    try {
      body();
    } finally {
      this.currentScope = outer;
    }
  }

  /** Walks code that may not run; names it binds are bound for sure only inside it. */
  private conditionally(body: () => void): void {
    this.conditionalDepth++;
    this.bindings.enterBlock();
    try {
      body();
    } finally {
      this.conditionalDepth--;
      this.bindings.exitBlock();
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
        const start = this.bindings.list.length;
        walk();
        boundPerBranch.push(this.bindings.lastSince(start, this.conditionalDepth));
      });
    }
    if (!exhaustive) {
      return;
    }
    for (const binding of boundInEveryBranch(boundPerBranch)) {
      this.bindModule(binding.name, end, binding.via, binding.kind, binding.value, binding.callee, binding.module);
    }
  }

  /** A loop body may run again: analyses see where it starts and ends. */
  private loopBody(body: SyntaxNode): void {
    for (const hook of this.on.loopEntered) {
      hook();
    }
    this.statements(body);
    for (const hook of this.on.loopExited) {
      hook();
    }
  }

  // ---------------------------------------------------------------- statements

  private topLevelStatement(node: SyntaxNode): void {
    this.statement = { firstBinding: this.bindings.list.length, scopes: [], vias: new Set() };
    for (const hook of this.on.statementStarted) {
      hook(node);
    }
    this.statementNode(node);
    this.resolvePendingUses();
    const walked = { node, bindings: this.bindings.list.slice(this.statement.firstBinding), vias: this.statement.vias };
    for (const hook of this.on.statementEnded) {
      hook(walked);
    }
  }

  /** Once the statement is read, what each name used in its functions, lambdas and classes refers to. */
  private resolvePendingUses(): void {
    for (const scope of this.statement.scopes) {
      for (const use of scope.pending) {
        if (isPlaceholder(use.name)) {
          this.on.placeholderUsed.forEach(hook => hook(scope, use));
        } else if (scope.resolvesToModule(use.name)) {
          this.useModuleName({ kind: use.kind, name: use.name, offset: use.offset, deferred: scope.deferred, bound: use.moduleBound, call: use.call });
        } else {
          this.on.localNameUsed.forEach(hook => hook(scope, use));
        }
      }
    }
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
        return this.returned(node);
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
      if (target?.name === 'VariableName' && this.currentScope.kind !== 'module') {
        this.currentScope.bound.add(this.text(target));
      }
      return;
    }
    const value = targets.pop()!;
    value.forEach(n => this.expression(n));
    this.expressionChildren(typeDef);
    const kind = valueKind(value, this.code);
    const assigned = this.evaluated({ kind: 'expression', nodes: value });
    for (const target of targets) {
      this.targetList(target, node.to, kind, assigned);
    }
  }

  /** A comma-separated target list (`a, *b = ...`) or a single target. */
  private targetList(nodes: SyntaxNode[], offset: number, kind: [ValueKind, string | null], value: BoundValue = NEW_VALUE): void {
    const items = split(nodes, n => n.name === ',');
    if (items.length === 1 && items[0].length === 1) {
      return this.target(items[0][0], offset, kind, value);
    }
    // Unpacking: a literal's items go to the targets one by one when they line up (no starred
    // item on either side); otherwise any target may get any item.
    const valueItems = value.kind === 'expression' ? displayItems(value.nodes) : null;
    const paired = valueItems !== null && valueItems.length === items.length && [...valueItems, ...items].every(item => item.length === 1);
    const anyItem = paired ? NEW_VALUE : this.evaluated({ kind: 'item', of: value });
    items.forEach((item, i) => {
      this.target(item[item.length - 1], offset, ['unknown', null], paired ? { kind: 'expression', nodes: valueItems[i] } : anyItem);
    });
  }

  private target(node: SyntaxNode, offset: number, kind: [ValueKind, string | null] = ['unknown', null], value: BoundValue = NEW_VALUE): void {
    switch (node.name) {
      case 'VariableName':
        return this.bind(this.text(node), offset, 'assign', kind, this.currentScope, value);
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'ParenthesizedExpression':
        return this.targetList(
          children(node).filter(n => n.name !== '(' && n.name !== ')' && n.name !== '[' && n.name !== ']' && n.name !== '*'),
          offset,
          kind,
          value
        );
      case 'MemberExpression':
        this.expression(node);
        return this.changeRoot(node);
      default:
        return this.expression(node);
    }
  }

  /** `a.b[c] = ...`, `del a[i]`, `a.append(...)`: a change in place of the name at the root. */
  private changeRoot(node: SyntaxNode): void {
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
      this.bind(name, node.to, 'assign', ['unknown', null], this.currentScope, UNCHANGED_VALUE); // `ys += [1]` still is what ys was
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
        return this.changeRoot(node);
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

  /** `module`: the dotted path the name is bound to (types.ts, ModuleBinding). */
  private bindImport(name: string, offset: number, module: string): void {
    const count = this.bindings.list.length;
    this.bind(name, offset, 'import');
    if (this.bindings.list.length > count) {
      this.bindings.list[this.bindings.list.length - 1].module = module;
    }
  }

  private starImport(node: SyntaxNode): void {
    for (const hook of this.on.starImported) {
      hook(node);
    }
    if (this.currentScope.kind === 'module') {
      this.bindModule('*', node.to, 'import', 'data');
    }
  }

  private scopeStatement(node: SyntaxNode): void {
    const [keyword, ...names] = children(node);
    if (this.currentScope.kind === 'module') {
      return;
    }
    const set = keyword.name === 'global' ? this.currentScope.globals : this.currentScope.nonlocals;
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
        this.callArguments(args, true, null);
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
        for (const hook of this.on.parameterDefault) {
          hook(n);
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
    const nameNode = node.getChild('VariableName');
    const scope = new Scope('function', this.currentScope);
    const enclosing = this.currentScope;
    this.typeParameters(node.getChild('TypeParamList'), scope);
    this.parameters(node.getChild('ParamList'), scope);
    const name = nameNode ? this.text(nameNode) : null;
    if (name !== null) {
      const definition = { name, parameters: node.getChild('ParamList'), scope, enclosing, decorated: decorators.length > 0 };
      for (const hook of this.on.functionDefined) {
        hook(definition);
      }
    }
    this.expressionChildren(node.getChild('TypeDef'));
    this.withScope(scope, () => this.statements(node.getChild('Body')));
    if (name !== null) {
      this.definitionWalked({ kind: 'function', name, scope, enclosing });
      this.bind(name, node.to, 'def');
    }
  }

  private classDefinition(node: SyntaxNode, decorators: SyntaxNode[]): void {
    this.decorators(decorators);
    const nameNode = node.getChild('VariableName');
    const scope = new Scope('class', this.currentScope);
    this.typeParameters(node.getChild('TypeParamList'), scope);
    const bases = node.getChild('ArgList');
    if (bases) {
      this.callArguments(bases, false, null);
    }
    this.withScope(scope, () => this.statements(node.getChild('Body')));
    if (nameNode) {
      const name = this.text(nameNode);
      this.definitionWalked({ kind: 'class', name, scope, enclosing: this.currentScope });
      this.bind(name, node.to, 'class');
    }
  }

  private definitionWalked(definition: Definition): void {
    for (const hook of this.on.definitionWalked) {
      hook(definition);
    }
  }

  /** `type X[T] = value`: the value is evaluated lazily, like a function body. */
  private typeDefinition(node: SyntaxNode): void {
    const nodes = children(node);
    const name = nodes.find(n => n.name === 'VariableName');
    const scope = new Scope('function', this.currentScope);
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

  private forStatement(node: SyntaxNode): void {
    const nodes = children(node);
    const inIndex = nodes.findIndex(n => n.name === 'in');
    const body = nodes.findIndex(n => n.name === 'Body');
    const iterables = nodes.slice(inIndex + 1, body);
    iterables.forEach(n => this.expression(n));
    const targets = nodes.slice(nodes.findIndex(n => n.name === 'for') + 1, inIndex).filter(n => n.name !== '*');
    const bindAt = iterables[iterables.length - 1]?.to ?? node.from;
    const items = this.evaluated({ kind: 'iterated', nodes: iterables });
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
        const kind = valueKind([nodes[i - 1]], this.code);
        this.target(nodes[i + 1], nodes[i + 1].to, kind, this.evaluated({ kind: 'expression', nodes: [nodes[i - 1]] }));
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
    const outer = this.patternValue;
    this.patternValue = this.evaluated({ kind: 'item', of: { kind: 'expression', nodes: subject } });
    try {
      this.matchCases(node, body);
    } finally {
      this.patternValue = outer;
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
          this.bind(name, node.to, 'assign', ['unknown', null], this.currentScope, this.patternValue);
        }
        return;
      }
      case 'AsPattern': {
        const nodes = children(node);
        this.pattern(nodes[0]);
        const name = nodes[nodes.length - 1];
        return this.bind(this.text(name), name.to, 'assign', ['unknown', null], this.currentScope, this.patternValue);
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

  private returned(node: SyntaxNode): void {
    for (const hook of this.on.valueReturned) {
      hook(node);
    }
  }

  /** `yield` (a statement or an expression): its function is a generator, and the value leaves it. */
  private yielded(node: SyntaxNode): void {
    const scope = this.currentScope.enclosingFunction();
    if (scope) {
      scope.isGenerator = true;
    }
    this.expressionChildren(node);
    this.returned(node);
  }

  private walrus(node: SyntaxNode): void {
    const [target, , value] = children(node);
    if (value) {
      this.expression(value);
    }
    if (target?.name === 'VariableName') {
      const scope = this.currentScope.walrusTarget();
      this.bind(this.text(target), node.to, 'assign', ['unknown', null], scope, value ? { kind: 'expression', nodes: [value] } : NEW_VALUE);
    }
  }

  private call(node: SyntaxNode): void {
    const callee = node.firstChild!;
    const args = node.lastChild!;
    this.expression(callee);
    const property = callee.name === 'MemberExpression' ? callee.getChild('PropertyName') : null;
    const call: CallSite = {
      node,
      callee,
      args,
      calleeName: callee.name === 'VariableName' ? this.text(callee) : null,
      method: property ? this.text(property) : null
    };
    for (const hook of this.on.called) {
      hook(call);
    }
    const effects = callEffects(call, this, this.distrusted);
    if (effects.changesReceiver) {
      this.changeRoot(callee); // x.append(1), df.fillna(0, inplace=True)
    }
    if (args.name === 'ArgList') {
      this.callArguments(args, effects.changesArguments, effects.changesArguments ? call.calleeName : null);
    }
  }

  /**
   * A call's arguments; a bare name passed to a call that may change its arguments is changed.
   * `callee`: the called plain name, which may be a notebook function; the argument's slot (position
   * or keyword) is recorded with it. Starred arguments, and positions after one, have no slot.
   */
  private callArguments(args: SyntaxNode, changesArguments: boolean, callee: string | null): void {
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
          this.argument(value, changesArguments, callee, walrus ? position : this.text(n));
        }
        if (walrus) {
          position = position === -1 ? -1 : position + 1;
          const bound: BoundValue = value ? { kind: 'expression', nodes: [value] } : NEW_VALUE;
          this.bind(this.text(n), (value ?? next).to, 'assign', ['unknown', null], this.currentScope.walrusTarget(), bound);
        }
        i += 2;
      } else if (n.name === '*' || n.name === '**') {
        if (next) {
          this.argument(next, changesArguments, null, -1);
          i++;
        }
        if (n.name === '*') {
          position = -1;
        }
      } else if (n.name !== '(' && n.name !== ')' && n.name !== ',') {
        this.argument(n, changesArguments, callee, position);
        position = position === -1 ? -1 : position + 1;
      }
    }
  }

  /** An argument at `slot` (a position, a keyword, or -1 for none) of a call of `callee`. */
  private argument(node: SyntaxNode, changesArguments: boolean, callee: string | null, slot: number | string): void {
    this.expression(node);
    if (changesArguments && node.name === 'VariableName') {
      const call = callee === null || slot === -1 ? null : { callee, slot, scope: this.currentScope };
      this.use('argument', this.text(node), node.from, call);
    }
  }

  private lambda(node: SyntaxNode): void {
    const scope = new Scope('lambda', this.currentScope);
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
    const scope = new Scope('comprehension', this.currentScope);
    const first = clauses[0];
    const firstIn = first ? first.nodes.findIndex(n => n.name === 'in') : -1;
    const firstIterable = first?.nodes.slice(firstIn + 1) ?? [];
    firstIterable.forEach(n => this.expression(n));
    const firstItems = this.evaluated({ kind: 'iterated', nodes: firstIterable });
    this.withScope(scope, () =>
      this.conditionally(() => {
        clauses.forEach((clause, index) => {
          const inIndex = clause.keyword === 'for' ? clause.nodes.findIndex(n => n.name === 'in') : -1;
          const iterable = clause.nodes.slice(inIndex + 1);
          if (index > 0) {
            iterable.forEach(n => this.expression(n));
          }
          if (clause.keyword === 'for') {
            const items = index === 0 ? firstItems : this.evaluated({ kind: 'iterated', nodes: iterable });
            this.targetList(clause.nodes.slice(0, inIndex), 0, ['unknown', null], items);
          }
        });
        element.forEach(n => this.expression(n));
      })
    );
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
