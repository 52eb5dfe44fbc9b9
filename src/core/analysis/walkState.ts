/**
 * The state of a walk over one cell, in Python's scoping: the scope and the conditional depth the
 * walker is at, the module-level bindings so far, and the uses of names, recorded where they are
 * written and resolved to the scope they refer to once their top-level statement has been read.
 * It fires the hooks of the analyses plugged into the walk (walkHooks.ts) and is their WalkContext.
 */
import type { SyntaxNode } from '@lezer/common';
import { diagnostic, type Diagnostic } from '../notebook';
import { hookListeners, type HookListeners } from './hookListeners';
import { LineIndex } from './lineIndex';
import { boundInEveryBranch, ModuleBindings, type BindVia, type RawBinding } from './moduleBindings';
import { isPlaceholder, Scope, type CallSlot, type UseKind } from './scopes';
import type { ModuleBinding, NameSite, ValueKind } from './types';
import { NEW_VALUE, WALK_HOOKS, type BoundValue, type ModuleNameUse, type WalkContext, type WalkHooks } from './walkHooks';

/** The top-level statement being walked. */
interface StatementState {
  firstBinding: number;
  /** Scopes opened in it, whose pending uses are resolved at its end. */
  scopes: Scope[];
  vias: Set<BindVia>;
}

const NO_LISTENERS = hookListeners<WalkHooks>([], WALK_HOOKS);

export class WalkState implements WalkContext {
  readonly module = new Scope('module', null);
  readonly bindings: ModuleBindings;
  readonly diagnostics: Diagnostic[] = [];
  private listeners = NO_LISTENERS;
  private current = this.module;
  private depth = 0;
  private statement: StatementState = { firstBinding: 0, scopes: [], vias: new Set() };
  private readonly lines: LineIndex;

  /** @param code the cell source with IPython magics blanked out */
  constructor(readonly code: string) {
    this.lines = new LineIndex(code);
    this.bindings = new ModuleBindings(this.lines);
  }

  plug(analyses: readonly WalkHooks[]): void {
    this.listeners = hookListeners(analyses, WALK_HOOKS);
  }

  /** The hooks of the analyses plugged in, by hook. */
  get hooks(): HookListeners<WalkHooks> {
    return this.listeners;
  }

  get scope(): Scope {
    return this.current;
  }

  /** How many enclosing constructs may not run (see Scope.conditionalBase). */
  get conditional(): number {
    return this.depth;
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
    for (const hook of this.hooks.moduleNameUsed) {
      hook(use);
    }
  }

  // ---------------------------------------------------------------- names

  /**
   * A use of `name` in the current scope; `call`: for kind 'argument', the call the name is passed
   * to, when it may be a notebook function.
   */
  use(kind: UseKind, name: string, offset: number, call: CallSlot | null = null): void {
    if (kind !== 'load') {
      const change = { kind, name, offset, scope: this.current, call };
      for (const hook of this.hooks.nameChanged) {
        hook(change);
      }
    }
    this.record(kind, name, offset, this.current, call);
  }

  /** Announces a value where it is computed (see BoundValue). */
  evaluated(value: BoundValue): BoundValue {
    for (const hook of this.hooks.valueEvaluated) {
      hook(value);
    }
    return value;
  }

  /** Binds `name` in `scope` to `value`; `kind`: what is statically known about the value. */
  bind(
    name: string,
    offset: number,
    via: BindVia,
    [kind, callee]: [ValueKind, string | null] = ['unknown', null],
    scope = this.current,
    value: BoundValue = NEW_VALUE
  ): void {
    this.evaluated(value);
    if (scope.kind === 'module' || scope.globals.has(name)) {
      if (scope.deferred) {
        for (const hook of this.hooks.globalBoundInFunction) {
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
    for (const hook of this.hooks.nameBound) {
      hook(name, scope, value);
    }
  }

  bindModule(
    name: string,
    offset: number,
    via: BindVia,
    kind: ModuleBinding['kind'],
    value: ValueKind = 'unknown',
    callee: string | null = null,
    module: string | null = null
  ): void {
    this.bindings.add(name, offset, this.depth, via, kind, value, callee, module);
    this.statement.vias.add(via);
  }

  unbind(name: string, offset: number): void {
    if (this.current.kind === 'module') {
      this.bindModule(name, offset, 'assign', 'deleted');
      this.bound(name, this.current, NEW_VALUE);
    } else {
      this.bind(name, offset, 'assign');
    }
  }

  // ---------------------------------------------------------------- scopes and control flow

  withScope(scope: Scope, body: () => void): void {
    const outer = this.current;
    this.current = scope;
    scope.conditionalBase = this.depth;
    this.statement.scopes.push(scope);
    try {
      body();
    } finally {
      this.current = outer;
    }
  }

  /** Walks code that may not run; names it binds are bound for sure only inside it. */
  conditionally(body: () => void): void {
    this.depth++;
    this.bindings.enterBlock();
    try {
      body();
    } finally {
      this.depth--;
      this.bindings.exitBlock();
    }
  }

  /**
   * Walks alternative branches (if/elif/else, try/except, match cases). A name every branch binds
   * for sure is bound for sure after the statement, when the branches are exhaustive.
   */
  branches(walkers: (() => void)[], exhaustive: boolean, end: number): void {
    const boundPerBranch: Map<string, RawBinding>[] = [];
    for (const walk of walkers) {
      this.conditionally(() => {
        const start = this.bindings.list.length;
        walk();
        boundPerBranch.push(this.bindings.lastSince(start, this.depth));
      });
    }
    if (!exhaustive) {
      return;
    }
    for (const binding of boundInEveryBranch(boundPerBranch)) {
      this.bindModule(binding.name, end, binding.via, binding.kind, binding.value, binding.callee, binding.module);
    }
  }

  // ---------------------------------------------------------------- statements

  startStatement(node: SyntaxNode): void {
    this.statement = { firstBinding: this.bindings.list.length, scopes: [], vias: new Set() };
    for (const hook of this.hooks.statementStarted) {
      hook(node);
    }
  }

  endStatement(node: SyntaxNode): void {
    this.resolvePendingUses();
    const walked = { node, bindings: this.bindings.list.slice(this.statement.firstBinding), vias: this.statement.vias };
    for (const hook of this.hooks.statementEnded) {
      hook(walked);
    }
  }

  /** Once the statement is read, what each name used in its functions, lambdas and classes refers to. */
  private resolvePendingUses(): void {
    for (const scope of this.statement.scopes) {
      for (const use of scope.pending) {
        if (isPlaceholder(use.name)) {
          this.hooks.placeholderUsed.forEach(hook => hook(scope, use));
        } else if (scope.resolvesToModule(use.name)) {
          this.useModuleName({
            kind: use.kind,
            name: use.name,
            offset: use.offset,
            deferred: scope.deferred,
            bound: use.moduleBound,
            call: use.call
          });
        } else {
          this.hooks.localNameUsed.forEach(hook => hook(scope, use));
        }
      }
    }
  }
}
