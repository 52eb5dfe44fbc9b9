/**
 * The walker: reads one cell's syntax tree (@lezer/python) statement by statement and expression by
 * expression, with Python's scoping and control flow (walkState.ts), firing the hooks that the
 * analyses plug into (walkHooks.ts; walkCell.ts wires them). Node names are those of
 * @lezer/python's grammar (node_modules/@lezer/python/src/python.grammar).
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { callEffects } from './callEffects';
import { mayBeLibraryFunction } from './libraryFunctions';
import { RECEIVER_SLOT, Scope } from './scopes';
import { children, COMPREHENSIONS, displayItems, rootNode, split, valueKind } from './syntax';
import type { ValueKind } from './types';
import { NEW_VALUE, UNCHANGED_VALUE, type BoundValue, type CallSite, type Definition, type WalkHooks } from './walkHooks';
import type { WalkState } from './walkState';

/**
 * Deeper syntax than this is not walked name by name: every name in it counts as loaded. CPython
 * itself rejects expressions nested more than 200 levels deep, so no runnable code gets here.
 */
const MAX_DEPTH = 400;

export class CellWalker {
  private depth = 0;
  private tooDeepReported = false;
  /** What the capture patterns of the `match` being walked get: items of its subject. */
  private patternValue: BoundValue = NEW_VALUE;

  /** @param distrusted trusted library method names the notebook's own classes redefine (callEffects.ts) */
  constructor(
    private readonly state: WalkState,
    private readonly distrusted: ReadonlySet<string> = new Set()
  ) {}

  /** Walks the tree once, firing the analyses' hooks in source order. */
  walk(tree: Tree, analyses: readonly WalkHooks[]): void {
    this.state.plug(analyses);
    for (let node = tree.topNode.firstChild; node; node = node.nextSibling) {
      this.state.startStatement(node);
      this.statementNode(node);
      this.state.endStatement(node);
    }
  }

  private text(node: SyntaxNode): string {
    return this.state.text(node);
  }

  private load(node: SyntaxNode): void {
    this.state.use('load', this.text(node), node.from);
  }

  /** A loop body may run again: analyses see where it starts and ends. */
  private loopBody(body: SyntaxNode): void {
    for (const hook of this.state.hooks.loopEntered) {
      hook();
    }
    this.statements(body);
    for (const hook of this.state.hooks.loopExited) {
      hook();
    }
  }

  private tooDeep(node: SyntaxNode): boolean {
    if (this.depth < MAX_DEPTH) {
      return false;
    }
    if (!this.tooDeepReported) {
      this.tooDeepReported = true;
      this.state.report(
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
        this.state.use('load', this.state.code.slice(cursor.from, cursor.to), cursor.from);
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
        return children(node)
          .slice(1)
          .forEach(target => this.deleteTarget(target));
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
        this.state.report('error', 'syntax-error', 'Python 2 print statement: write print(...) instead.', node.from);
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
      if (target?.name === 'VariableName' && this.state.scope.kind !== 'module') {
        this.state.scope.bound.add(this.text(target));
      }
      return;
    }
    const value = targets.pop()!;
    value.forEach(n => this.expression(n));
    this.expressionChildren(typeDef);
    const kind = valueKind(value, this.state.code);
    const assigned = this.state.evaluated({ kind: 'expression', nodes: value });
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
    const anyItem = paired ? NEW_VALUE : this.state.evaluated({ kind: 'item', of: value });
    items.forEach((item, i) => {
      this.target(item[item.length - 1], offset, ['unknown', null], paired ? { kind: 'expression', nodes: valueItems[i] } : anyItem);
    });
  }

  private target(node: SyntaxNode, offset: number, kind: [ValueKind, string | null] = ['unknown', null], value: BoundValue = NEW_VALUE): void {
    switch (node.name) {
      case 'VariableName':
        return this.state.bind(this.text(node), offset, 'assign', kind, this.state.scope, value);
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
      this.state.use('mutation', this.text(root), root.from);
    }
  }

  private augmentedAssignment(node: SyntaxNode): void {
    const [target, , ...value] = children(node);
    value.forEach(n => this.expression(n));
    if (target.name === 'VariableName') {
      const name = this.text(target);
      this.state.use('load', name, target.from);
      this.state.use('mutation', name, target.from);
      this.state.bind(name, node.to, 'assign', ['unknown', null], this.state.scope, UNCHANGED_VALUE); // `ys += [1]` still is what ys was
    } else {
      this.target(target, node.to);
    }
  }

  private deleteTarget(node: SyntaxNode): void {
    switch (node.name) {
      case 'VariableName':
        // `del x` fails with NameError unless x is bound: it needs x as much as a load does.
        this.load(node);
        return this.state.unbind(this.text(node), node.to);
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
    const from =
      nodes[0]?.name === 'from'
        ? nodes
            .slice(1, importAt)
            .map(n => this.text(n))
            .join('')
        : null;
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
    const count = this.state.bindings.list.length;
    this.state.bind(name, offset, 'import');
    if (this.state.bindings.list.length > count) {
      this.state.bindings.list[this.state.bindings.list.length - 1].module = module;
    }
  }

  private starImport(node: SyntaxNode): void {
    for (const hook of this.state.hooks.starImported) {
      hook(node);
    }
    if (this.state.scope.kind === 'module') {
      this.state.bindModule('*', node.to, 'import', 'data');
    }
  }

  private scopeStatement(node: SyntaxNode): void {
    const [keyword, ...names] = children(node);
    if (this.state.scope.kind === 'module') {
      return;
    }
    const set = keyword.name === 'global' ? this.state.scope.globals : this.state.scope.nonlocals;
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
        for (const hook of this.state.hooks.parameterDefault) {
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
    const scope = new Scope('function', this.state.scope);
    const enclosing = this.state.scope;
    this.typeParameters(node.getChild('TypeParamList'), scope);
    this.parameters(node.getChild('ParamList'), scope);
    const name = nameNode ? this.text(nameNode) : null;
    if (name !== null) {
      const definition = { name, parameters: node.getChild('ParamList'), scope, enclosing, decorated: decorators.length > 0 };
      for (const hook of this.state.hooks.functionDefined) {
        hook(definition);
      }
    }
    this.expressionChildren(node.getChild('TypeDef'));
    this.state.withScope(scope, () => this.statements(node.getChild('Body')));
    if (name !== null) {
      this.definitionWalked({ kind: 'function', name, scope, enclosing });
      this.state.bind(name, node.to, 'def');
    }
  }

  private classDefinition(node: SyntaxNode, decorators: SyntaxNode[]): void {
    this.decorators(decorators);
    const nameNode = node.getChild('VariableName');
    const scope = new Scope('class', this.state.scope);
    this.typeParameters(node.getChild('TypeParamList'), scope);
    const bases = node.getChild('ArgList');
    if (bases) {
      this.callArguments(bases, false, null);
    }
    this.state.withScope(scope, () => this.statements(node.getChild('Body')));
    if (nameNode) {
      const name = this.text(nameNode);
      this.definitionWalked({ kind: 'class', name, scope, enclosing: this.state.scope });
      this.state.bind(name, node.to, 'class');
    }
  }

  private definitionWalked(definition: Definition): void {
    for (const hook of this.state.hooks.definitionWalked) {
      hook(definition);
    }
  }

  /** `type X[T] = value`: the value is evaluated lazily, like a function body. */
  private typeDefinition(node: SyntaxNode): void {
    const nodes = children(node);
    const name = nodes.find(n => n.name === 'VariableName');
    const scope = new Scope('function', this.state.scope);
    this.typeParameters(node.getChild('TypeParamList'), scope);
    const value = nodes[nodes.length - 1];
    this.state.withScope(scope, () => this.expression(value));
    if (name) {
      this.state.bind(this.text(name), node.to, 'type');
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
    this.state.branches(
      [() => this.statements(firstBody), ...rest.map(clause => () => this.clause(clause))],
      clauses[clauses.length - 1][0].name === 'else',
      node.to
    );
  }

  private whileStatement(node: SyntaxNode): void {
    const [loop, ...rest] = this.clauses(node, new Set(['while', 'else']));
    loop.slice(1, -1).forEach(n => this.expression(n));
    this.state.conditionally(() => {
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
    const items = this.state.evaluated({ kind: 'iterated', nodes: iterables });
    this.state.conditionally(() => {
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
      this.state.branches([main, ...handlers.map(handler => () => this.exceptHandler(handler))], true, node.to);
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
      this.state.bind(this.text(name), name.to, 'assign');
    }
    this.statements(nodes[bodyIndex] ?? null);
    if (name?.name === 'VariableName') {
      this.state.unbind(this.text(name), nodes[bodyIndex]?.to ?? name.to);
    }
  }

  private withStatement(node: SyntaxNode): void {
    const nodes = children(node);
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.name === 'Body') {
        this.statements(n);
      } else if (n.name === 'as' && nodes[i + 1]) {
        const kind = valueKind([nodes[i - 1]], this.state.code);
        this.target(nodes[i + 1], nodes[i + 1].to, kind, this.state.evaluated({ kind: 'expression', nodes: [nodes[i - 1]] }));
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
    this.patternValue = this.state.evaluated({ kind: 'item', of: { kind: 'expression', nodes: subject } });
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
    this.state.branches(
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
          this.state.bind(name, node.to, 'assign', ['unknown', null], this.state.scope, this.patternValue);
        }
        return;
      }
      case 'AsPattern': {
        const nodes = children(node);
        this.pattern(nodes[0]);
        const name = nodes[nodes.length - 1];
        return this.state.bind(this.text(name), name.to, 'assign', ['unknown', null], this.state.scope, this.patternValue);
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
          return this.state.conditionally(() => rest.forEach(n => this.expression(n)));
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
    for (const hook of this.state.hooks.valueReturned) {
      hook(node);
    }
  }

  /** `yield` (a statement or an expression): its function is a generator, and the value leaves it. */
  private yielded(node: SyntaxNode): void {
    const scope = this.state.scope.enclosingFunction();
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
      const scope = this.state.scope.walrusTarget();
      this.state.bind(this.text(target), node.to, 'assign', ['unknown', null], scope, value ? { kind: 'expression', nodes: [value] } : NEW_VALUE);
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
    for (const hook of this.state.hooks.called) {
      hook(call);
    }
    const effects = callEffects(call, this.state, this.distrusted);
    // `metrics.accuracy_score(y, pred)` may call a library function through its module: whether the
    // name is that module (and the function leaves what it is given alone) is known only across the
    // notebook (notebookFunctions.ts, libraryCallees), so the name and the arguments are passes to it.
    const throughModule = this.moduleFunction(callee);
    if (effects.changesReceiver) {
      if (throughModule) {
        const receiver = callee.firstChild!;
        this.state.use('argument', this.text(receiver), receiver.from, { callee: throughModule, slot: RECEIVER_SLOT, scope: this.state.scope });
      } else {
        this.changeRoot(callee); // x.append(1), df.fillna(0, inplace=True)
      }
    }
    if (args.name === 'ArgList') {
      this.callArguments(args, effects.changesArguments, effects.changesArguments ? (call.calleeName ?? throughModule) : null);
    }
  }

  /** `name.function` for a callee that is one and may be a library function called through its module. */
  private moduleFunction(callee: SyntaxNode): string | null {
    if (callee.name !== 'MemberExpression') {
      return null;
    }
    const [object, dot, property] = children(callee);
    if (object?.name !== 'VariableName' || dot?.name !== '.' || property?.name !== 'PropertyName' || !mayBeLibraryFunction(this.text(property))) {
      return null;
    }
    return `${this.text(object)}.${this.text(property)}`;
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
          this.state.bind(this.text(n), (value ?? next).to, 'assign', ['unknown', null], this.state.scope.walrusTarget(), bound);
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
      const call = callee === null || slot === -1 ? null : { callee, slot, scope: this.state.scope };
      this.state.use('argument', this.text(node), node.from, call);
    }
  }

  private lambda(node: SyntaxNode): void {
    const scope = new Scope('lambda', this.state.scope);
    this.parameters(node.getChild('ParamList'), scope);
    const body = node.lastChild;
    this.state.withScope(scope, () => this.state.conditionally(() => body && this.expression(body)));
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
    const scope = new Scope('comprehension', this.state.scope);
    const first = clauses[0];
    const firstIn = first ? first.nodes.findIndex(n => n.name === 'in') : -1;
    const firstIterable = first?.nodes.slice(firstIn + 1) ?? [];
    firstIterable.forEach(n => this.expression(n));
    const firstItems = this.state.evaluated({ kind: 'iterated', nodes: firstIterable });
    this.state.withScope(scope, () =>
      this.state.conditionally(() => {
        clauses.forEach((clause, index) => {
          const inIndex = clause.keyword === 'for' ? clause.nodes.findIndex(n => n.name === 'in') : -1;
          const iterable = clause.nodes.slice(inIndex + 1);
          if (index > 0) {
            iterable.forEach(n => this.expression(n));
          }
          if (clause.keyword === 'for') {
            const items = index === 0 ? firstItems : this.state.evaluated({ kind: 'iterated', nodes: iterable });
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
