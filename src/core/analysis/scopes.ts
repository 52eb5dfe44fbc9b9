/**
 * Python scopes, as far as cellpipe needs them: which names a scope binds, which it declares
 * `global`/`nonlocal`, and the names it uses that can only be resolved once the whole scope has been
 * read (a name assigned anywhere in a function is local to all of it).
 */

export type ScopeKind = 'module' | 'function' | 'lambda' | 'class' | 'comprehension';

/** How a name is used: loaded, changed in place, or passed to a call that may change it. */
export type UseKind = 'load' | 'mutation' | 'argument';

export interface PendingUse {
  kind: UseKind;
  name: string;
  offset: number;
  /** The module name was bound for sure where it was used (matters for code that runs at once). */
  moduleBound: boolean;
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
