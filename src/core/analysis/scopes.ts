/**
 * Python scopes, as far as cellpipe needs them: which names a scope binds, which it declares
 * `global`/`nonlocal`, and the names it uses that can only be resolved once the whole scope has been
 * read (a name assigned anywhere in a function is local to all of it).
 */

import type { ParameterPass } from './types';

export type ScopeKind = 'module' | 'function' | 'lambda' | 'class' | 'comprehension';

/** How a name is used: loaded, changed in place, or passed to a call that may change it. */
export type UseKind = 'load' | 'mutation' | 'argument';

/**
 * Where a name is passed as an argument to a call of a plain name (`f(xs)`, `f(key=xs)`), which may be
 * one of the notebook's functions: `slot` is the position or the keyword; `scope` is where the call
 * is, to tell whether `callee` is the module-level name once the statement has been read.
 */
export interface CallSlot {
  callee: string;
  slot: number | string;
  scope: Scope;
}

export interface PendingUse {
  kind: UseKind;
  name: string;
  offset: number;
  /** The module name was bound for sure where it was used (matters for code that runs at once). */
  moduleBound: boolean;
  /** For kind 'argument': the call it is passed to, when that may be a notebook function. */
  call: CallSlot | null;
}

/**
 * What the body of a function defined at module level does to its parameters (see walk.ts). Each
 * parameter's value at the call is an alias root of its own, named by a marker that no Python name
 * can be (`markers`): a change in place through the parameter, or through an alias or loop target
 * of it, is a change of the marker; rebinding the parameter first (`x = list(x)`) ends the alias.
 */
export interface ParameterEffects {
  /** Marker name -> parameter index. */
  readonly markers: Map<string, number>;
  /** Parameter name -> marker name (parameters a caller can give a value: not `*args`/`**kwargs`). */
  readonly markerOf: Map<string, string>;
  /** Parameters changed whatever other functions do. */
  readonly changed: Set<number>;
  /** `parameter callee slot` -> pass, for parameters passed on to calls of possible notebook functions. */
  readonly passes: Map<string, ParameterPass>;
}

/**
 * A name whose value a binding may share (see the walker's aliases): changing the bound name in
 * place changes `name` as resolved from `scope`.
 */
export interface AliasRoot {
  scope: Scope;
  name: string;
}

export class Scope {
  readonly bound = new Set<string>();
  /** Names bound in this scope that may share their value with other names, with those names. */
  readonly aliases = new Map<string, readonly AliasRoot[]>();
  /** The walker's conditional depth where the scope's code starts: deeper bindings may not run. */
  conditionalBase = 0;
  readonly globals = new Set<string>();
  readonly nonlocals = new Set<string>();
  /** Uses to resolve when the enclosing top-level statement has been read. */
  readonly pending: PendingUse[] = [];
  /** The scope's body contains `yield`. */
  isGenerator = false;
  /** Code in this scope runs later than where it is written (a function body, a lazy type alias). */
  readonly deferred: boolean;
  /** For the scope of a function defined at module level: what it does to its parameters. */
  effects: ParameterEffects | null = null;

  constructor(
    readonly kind: ScopeKind,
    readonly parent: Scope | null
  ) {
    this.deferred = kind === 'function' || (parent?.deferred ?? false);
  }

  /** The scope a walrus target binds in: the nearest one that is not a comprehension. */
  walrusTarget(): Scope {
    let scope: Scope = this;
    while (scope.kind === 'comprehension' && scope.parent) {
      scope = scope.parent;
    }
    return scope;
  }

  /** The nearest function scope (for `yield`), or null at module or class level. */
  enclosingFunction(): Scope | null {
    for (let scope: Scope | null = this; scope; scope = scope.parent) {
      if (scope.kind === 'function' || scope.kind === 'lambda') {
        return scope;
      }
      if (scope.kind !== 'comprehension') {
        return null;
      }
    }
    return null;
  }

  /**
   * The scope whose binding of `name` a use in this scope sees, or null for the module's (the
   * same rules as resolvesToModule).
   */
  bindingScope(name: string): Scope | null {
    if (this.kind === 'module' || this.globals.has(name)) {
      return null;
    }
    if (!this.nonlocals.has(name) && this.kind !== 'class' && this.bound.has(name)) {
      return this;
    }
    for (let scope = this.parent; scope; scope = scope.parent) {
      if (scope.kind === 'module' || scope.globals.has(name)) {
        return null;
      }
      if (scope.kind !== 'class' && scope.bound.has(name) && !scope.nonlocals.has(name)) {
        return scope;
      }
    }
    return null;
  }

  /**
   * Whether `name`, used in this scope, is the module-level name. Class scopes are not visible to the
   * scopes nested in them; a class body's own names were checked when the use was recorded (class
   * bodies run top to bottom, so only names bound before the use are the class's own).
   */
  resolvesToModule(name: string): boolean {
    if (this.kind === 'module' || this.globals.has(name)) {
      return true;
    }
    if (this.nonlocals.has(name) || (this.kind !== 'class' && this.bound.has(name))) {
      return false;
    }
    for (let scope = this.parent; scope; scope = scope.parent) {
      if (scope.kind === 'module' || scope.globals.has(name)) {
        return true;
      }
      if (scope.kind !== 'class' && (scope.bound.has(name) || scope.nonlocals.has(name))) {
        return false;
      }
    }
    return true;
  }
}
