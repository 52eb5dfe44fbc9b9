/**
 * The module-level bindings of one cell as the walker meets them, and which module names are
 * bound (or deleted) for sure at the current point: per nested block that may not run, innermost
 * last, so that a name bound inside `if` is bound for sure only inside it.
 */
import type { LineIndex } from './lineIndex';
import type { ModuleBinding, ValueKind } from './types';

/** What bound a name: decides whether a guarded top-level statement is a declaration. */
export type BindVia = 'assign' | 'import' | 'def' | 'class' | 'type';

/** A module-level binding as the walker records it. */
export interface RawBinding extends ModuleBinding {
  /** Conditional depth at which the binding happens (for if/else intersection). */
  depth: number;
  via: BindVia;
}

export class ModuleBindings {
  readonly list: RawBinding[] = [];
  /** Every module name bound so far in the cell (it shadows a builtin of the same name). */
  private readonly everBound = new Set<string>();
  /** Module names bound (true) or deleted (false) for sure, per nested block; innermost last. */
  private readonly definitely: Map<string, boolean>[] = [new Map()];

  constructor(private readonly lines: LineIndex) {}

  /** `depth`: how many enclosing constructs may not run (0: the binding surely happens). */
  add(
    name: string,
    offset: number,
    depth: number,
    via: BindVia,
    kind: ModuleBinding['kind'],
    value: ValueKind,
    callee: string | null,
    module: string | null
  ): RawBinding {
    const { line, column } = this.lines.position(offset);
    const binding: RawBinding = { name, offset, line, column, definite: depth === 0, kind, value, callee, declaration: null, module, depth, via };
    this.list.push(binding);
    this.everBound.add(name);
    this.definitely[this.definitely.length - 1].set(name, kind !== 'deleted');
    return binding;
  }

  hasBound(name: string): boolean {
    return this.everBound.has(name);
  }

  isDefinitelyBound(name: string): boolean {
    for (let i = this.definitely.length - 1; i >= 0; i--) {
      const state = this.definitely[i].get(name);
      if (state !== undefined) {
        return state;
      }
    }
    return false;
  }

  /** Code that may not run starts: what it binds is bound for sure only inside it. */
  enterBlock(): void {
    this.definitely.push(new Map());
  }

  exitBlock(): void {
    this.definitely.pop();
  }

  /** The last binding of each name made at `depth` since the `start`th binding. */
  lastSince(start: number, depth: number): Map<string, RawBinding> {
    const last = new Map<string, RawBinding>();
    for (let i = start; i < this.list.length; i++) {
      const binding = this.list[i];
      if (binding.depth === depth) {
        last.set(binding.name, binding);
      }
    }
    return last;
  }
}

/**
 * The bindings every branch of an exhaustive compound statement makes for sure, of the same kind
 * (given each branch's `lastSince`): the names are bound for sure after the statement.
 */
export function boundInEveryBranch(branches: readonly Map<string, RawBinding>[]): RawBinding[] {
  if (branches.length === 0) {
    return [];
  }
  return [...branches[branches.length - 1].values()].filter(
    binding => binding.kind !== 'deleted' && branches.every(branch => branch.get(binding.name)?.kind === binding.kind)
  );
}
