/**
 * The interface between the walk of one cell (walker.ts reads the syntax tree, walkState.ts keeps
 * Python's scoping) and the analyses that plug into it (aliases, parameter effects, name uses,
 * declarations, ...; walkCell.ts wires them). Hooks fire in source order, except that uses inside
 * functions, lambdas, classes and comprehensions are resolved, and reported, when their top-level
 * statement ends. Each analysis implements the hooks it needs and reads the walk through
 * WalkContext.
 */
import type { SyntaxNode } from '@lezer/common';
import type { Diagnostic } from '../notebook';
import type { CallSlot, PendingUse, Scope, UseKind } from './scopes';
import type { BindVia, RawBinding } from './moduleBindings';
import type { NameSite } from './types';

/**
 * Where the value a bound name gets comes from, as written. The walker creates one object per
 * value and fires `valueEvaluated` with it where the value is computed, so an analysis can tell
 * what it shares at that point (aliases.ts) and give the same answer to every target it reaches.
 */
export type BoundValue =
  /** A value of its own: `def`, `class`, `import`, `except ... as e`, `del` (no value at all). */
  | { readonly kind: 'new' }
  /** `x += ...`: the name keeps the value it had (a list is changed in place). */
  | { readonly kind: 'unchanged' }
  /** The value of an expression; several comma-separated nodes are a tuple. */
  | { readonly kind: 'expression'; readonly nodes: readonly SyntaxNode[] }
  /** Any item of a value: an unpacking target that cannot be paired with a literal's item, a `match` capture. */
  | { readonly kind: 'item'; readonly of: BoundValue }
  /** An item of what iterating over the nodes gives: a `for` or comprehension target. */
  | { readonly kind: 'iterated'; readonly nodes: readonly SyntaxNode[] };

export const NEW_VALUE: BoundValue = { kind: 'new' };
export const UNCHANGED_VALUE: BoundValue = { kind: 'unchanged' };

/** A name changed in place, or passed to a call that may change it, where it is written. */
export interface NameChange {
  kind: Exclude<UseKind, 'load'>;
  name: string;
  offset: number;
  /** The scope the name is used in (not yet resolved to the one that binds it). */
  scope: Scope;
  call: CallSlot | null;
}

/** A use resolved to the module-level name. */
export interface ModuleNameUse {
  kind: UseKind;
  name: string;
  offset: number;
  /** The use is in code that runs later than where it is written (a function body). */
  deferred: boolean;
  /** The name was bound for sure in the cell where it was used (no value from before is needed). */
  bound: boolean;
  call: CallSlot | null;
}

/** A `def`, before its body is walked. */
export interface FunctionDefinition {
  name: string;
  /** The ParamList node, if any. */
  parameters: SyntaxNode | null;
  /** The function's own scope (its parameters already bound in it). */
  scope: Scope;
  /** The scope the `def` statement is in. */
  enclosing: Scope;
  decorated: boolean;
}

/** A `def` or `class` whose body has been walked, before its name is bound. */
export interface Definition {
  kind: 'function' | 'class';
  name: string;
  scope: Scope;
  enclosing: Scope;
}

/** A call, after its callee has been walked and before its arguments are. */
export interface CallSite {
  node: SyntaxNode;
  callee: SyntaxNode;
  /** ArgList (or what lezer recovered in its place). */
  args: SyntaxNode;
  /** The callee when it is a plain name (`f(...)`). */
  calleeName: string | null;
  /** The attribute called when the callee is `obj.attr` (`df.fillna(...)`). */
  method: string | null;
}

/** A top-level statement once walked and its uses resolved. */
export interface WalkedStatement {
  node: SyntaxNode;
  /** The module-level bindings it made, in order (mutable: a declaration marks them). */
  bindings: RawBinding[];
  vias: ReadonlySet<BindVia>;
}

/** Hooks an analysis may implement; all optional. */
export interface WalkHooks {
  statementStarted?(node: SyntaxNode): void;
  /** After the statement's uses in functions, lambdas and classes were resolved (see `scopes.ts`). */
  statementEnded?(statement: WalkedStatement): void;
  /** A value was computed (see BoundValue); it may be bound to several targets next. */
  valueEvaluated?(value: BoundValue): void;
  /** `name` was bound in `scope` (or deleted: `del name` binds it to NEW_VALUE). */
  nameBound?(name: string, scope: Scope, value: BoundValue): void;
  /** A function body binds a module name declared `global` (nameBound follows). */
  globalBoundInFunction?(name: string, scope: Scope, value: BoundValue): void;
  /** A name is changed in place or passed to a call that may change it (its own use is recorded next). */
  nameChanged?(change: NameChange): void;
  /** A use resolved to the module-level name. */
  moduleNameUsed?(use: ModuleNameUse): void;
  /** A use in `scope` (not the module's) resolved to a name local to a function, lambda or class. */
  localNameUsed?(scope: Scope, use: PendingUse): void;
  /** A use of a placeholder name (scopes.ts, isPlaceholder) recorded in `scope`. */
  placeholderUsed?(scope: Scope, use: PendingUse): void;
  /** A loop body is about to be walked / has been walked (it may run again). */
  loopEntered?(): void;
  loopExited?(): void;
  functionDefined?(definition: FunctionDefinition): void;
  definitionWalked?(definition: Definition): void;
  /** A parameter default (evaluated in the enclosing scope, which is the current one). */
  parameterDefault?(node: SyntaxNode): void;
  /** `return v` / `yield v` / `yield from v` (the node is the statement or expression). */
  valueReturned?(node: SyntaxNode): void;
  called?(call: CallSite): void;
  starImported?(node: SyntaxNode): void;
}

/** What the walk exposes to the analyses plugged into it. */
export interface WalkContext {
  readonly code: string;
  /** The scope being walked. */
  readonly scope: Scope;
  readonly module: Scope;
  /** How many enclosing constructs may not run (see Scope.conditionalBase). */
  readonly conditional: number;
  text(node: SyntaxNode): string;
  site(name: string, offset: number): NameSite;
  line(offset: number): number;
  report(severity: Diagnostic['severity'], code: string, message: string, offset: number): void;
  /** `name` was bound at module level earlier in the cell (so it no longer is a builtin). */
  isModuleBound(name: string): boolean;
  /** Records a use of `name` as seen from `scope` (resolved when the top-level statement ends). */
  record(kind: UseKind, name: string, offset: number, scope: Scope, call: CallSlot | null): void;
  /** Records a use of the module-level name now. */
  useModuleName(use: ModuleNameUse): void;
}

/** Every hook name, for dispatch (hookListeners.ts). */
export const WALK_HOOKS: Readonly<Record<keyof WalkHooks, true>> = {
  statementStarted: true,
  statementEnded: true,
  valueEvaluated: true,
  nameBound: true,
  globalBoundInFunction: true,
  nameChanged: true,
  moduleNameUsed: true,
  localNameUsed: true,
  placeholderUsed: true,
  loopEntered: true,
  loopExited: true,
  functionDefined: true,
  definitionWalked: true,
  parameterDefault: true,
  valueReturned: true,
  called: true,
  starImported: true
};
