/**
 * Python scopes, as far as cellpipe needs them: which names a scope binds, which it declares
 * `global`/`nonlocal`, and the names it uses that can only be resolved once the whole scope has been
 * read (a name assigned anywhere in a function is local to all of it).
 */

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
 * Placeholder names stand for values rather than variables (a parameter's value at the call,
 * parameterEffects.ts). No Python name starts with NUL, so a placeholder is never a variable: the
 * walker hands its uses to the analysis that made it.
 */
export function placeholderName(id: number): string {
  return `\u0000${id}`;
}

export function isPlaceholder(name: string): boolean {
  return name.charCodeAt(0) === 0;
}

/** The slot of the object a function is called through (`metrics` in `metrics.accuracy_score(y)`). */
export const RECEIVER_SLOT = 'self';

/**
 * Whether the callee of a call is the module-level name (so may be one of the notebook's functions),
 * or for `name.function`, whether `name` is (so may be a module the notebook imports).
 */
export function calleeIsModuleName(call: CallSlot): boolean {
  const scope = call.scope;
  const name = call.callee.split('.')[0];
  return !(scope.kind === 'class' && scope.bound.has(name)) && scope.resolvesToModule(name);
}

export class Scope {
  readonly bound = new Set<string>();
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
    return this.kind === 'comprehension' && this.parent ? this.parent.walrusTarget() : this;
  }

  /** The nearest function scope (for `yield`), or null at module or class level. */
  enclosingFunction(): Scope | null {
    if (this.kind === 'function' || this.kind === 'lambda') {
      return this;
    }
    // Comprehensions are transparent to `yield`'s search; any other scope ends it.
    return this.kind === 'comprehension' ? (this.parent?.enclosingFunction() ?? null) : null;
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
