/**
 * A step's cells taken together: their facts merged in notebook order, with positions that compare
 * across cells.
 */
import type { Step } from '../notebook';
import { cellStart, notebookPosition } from './positions';
import type { CellFacts, DeclarationRef, ModuleBinding, NameSite } from './types';

export interface PlacedSite {
  name: string;
  line: number;
  column: number;
  cell: number;
  position: number;
}

export interface PlacedBinding {
  binding: ModuleBinding;
  cell: number;
  position: number;
}

export interface StepCode {
  step: Step;
  /** First load of each name the step's code may need from before the step. */
  freeLoads: Map<string, PlacedSite>;
  /** Every cell's first use of each name. */
  uses: { cell: number; sites: NameSite[] }[];
  /** Module bindings per name, in order. */
  bindings: Map<string, PlacedBinding[]>;
  mutations: Set<string>;
  argumentPasses: Set<string>;
  opaque: boolean;
  bindsUnknownNames: boolean;
}

function place(site: NameSite, cell: number): PlacedSite {
  return { name: site.name, line: site.line, column: site.column, cell, position: notebookPosition(cell, site.offset) };
}

export function declarationOf(binding: PlacedBinding): DeclarationRef | null {
  return binding.binding.declaration === null ? null : { cell: binding.cell, index: binding.binding.declaration };
}

export function mergeStepCode(step: Step, facts: readonly (CellFacts | null)[]): StepCode {
  const code: StepCode = {
    step,
    freeLoads: new Map(),
    uses: [],
    bindings: new Map(),
    mutations: new Set(),
    argumentPasses: new Set(),
    opaque: false,
    bindsUnknownNames: false
  };
  /** Names bound for sure by the step's earlier cells. */
  const definitely = new Map<string, boolean>();
  /** Module names that may share their value with other names, after the step's earlier cells. */
  const aliases = new Map<string, Set<string>>();
  for (const cell of step.cells) {
    const cellFacts = facts[cell];
    if (!cellFacts) {
      continue;
    }
    if (aliases.size > 0) {
      changeAliased(cellFacts, aliases, code);
    }
    if (aliases.size > 0 || cellFacts.aliases.length > 0) {
      updateAliases(cellFacts, aliases);
    }
    for (const load of cellFacts.loads) {
      if (!definitely.get(load.name) && !code.freeLoads.has(load.name)) {
        code.freeLoads.set(load.name, place(load, cell));
      }
    }
    code.uses.push({ cell, sites: cellFacts.uses });
    for (const binding of cellFacts.bindings) {
      const placed = { binding, cell, position: notebookPosition(cell, binding.offset) };
      const list = code.bindings.get(binding.name);
      if (list) {
        list.push(placed);
      } else {
        code.bindings.set(binding.name, [placed]);
      }
      if (binding.definite) {
        definitely.set(binding.name, binding.kind !== 'deleted');
      }
    }
    cellFacts.mutations.forEach(site => code.mutations.add(site.name));
    cellFacts.argumentPasses.forEach(site => code.argumentPasses.add(site.name));
    cellFacts.callPasses.forEach(site => code.argumentPasses.add(site.name)); // unresolved: may change
    code.opaque ||= cellFacts.opaque;
    code.bindsUnknownNames ||= cellFacts.bindsUnknownNames;
  }
  return code;
}

/**
 * A cell changing in place a name that an earlier cell of the step made an alias (aliases.ts),
 * before the cell rebinds it for sure, changes the alias's roots too. Transitively:
 * a root changed that way may be an alias in turn.
 */
function changeAliased(cellFacts: CellFacts, aliases: ReadonlyMap<string, Set<string>>, code: StepCode): void {
  let rebound: Map<string, number> | null = null;
  for (const binding of cellFacts.bindings) {
    if (binding.definite && aliases.has(binding.name)) {
      rebound ??= new Map();
      if (!rebound.has(binding.name)) {
        rebound.set(binding.name, binding.offset);
      }
    }
  }
  const live = (name: string, offset: number): boolean => aliases.has(name) && offset < (rebound?.get(name) ?? Infinity);
  const spread = (sites: NameSite[], into: Set<string>): void => {
    const queue = sites.filter(site => live(site.name, site.offset));
    const seen = new Set(queue.map(site => site.name));
    while (queue.length > 0) {
      const site = queue.pop()!;
      for (const root of aliases.get(site.name) ?? []) {
        into.add(root);
        if (!seen.has(root) && live(root, site.offset)) {
          seen.add(root);
          queue.push({ ...site, name: root });
        }
      }
    }
  };
  spread(cellFacts.mutations, code.mutations);
  spread(cellFacts.argumentPasses, code.argumentPasses);
  spread(cellFacts.callPasses, code.argumentPasses);
}

/**
 * The step's module-level aliases after a cell: a name the cell binds for sure has only the
 * aliases the cell gives it; one it may bind keeps its earlier ones too. An alias of an alias gets
 * the other's roots as they were before the cell (`zs = ys` then `ys = []`: zs still holds what ys
 * held; if ys was rebound before `zs = ys`, the extra roots are merely conservative).
 */
function updateAliases(cellFacts: CellFacts, aliases: Map<string, Set<string>>): void {
  const added = cellFacts.aliases.map(alias => {
    const roots = new Set<string>();
    for (const root of alias.roots) {
      roots.add(root);
      aliases.get(root)?.forEach(more => roots.add(more));
    }
    roots.delete(alias.name);
    return { name: alias.name, roots };
  });
  for (const binding of cellFacts.bindings) {
    if (binding.definite) {
      aliases.delete(binding.name);
    }
  }
  for (const { name, roots } of added) {
    const kept = aliases.get(name);
    if (kept) {
      roots.forEach(root => kept.add(root));
    } else if (roots.size > 0) {
      aliases.set(name, roots);
    }
  }
}

/**
 * Whether a binding has taken effect at `position`. A binding takes effect where its statement ends
 * (ModuleBinding.offset), and a compound statement (`def`, `class`, `if`, `for`...) ends where the
 * next statement starts: a use at that very position is in the next statement, after the binding.
 */
function boundAt(binding: PlacedBinding, position: number): boolean {
  return binding.position <= position;
}

/** The step's latest binding of `name` before `position` (see boundAt), if any. */
export function latestBindingBefore(code: StepCode, name: string, position: number): PlacedBinding | null {
  const list = code.bindings.get(name);
  if (list) {
    for (let i = list.length - 1; i >= 0; i--) {
      if (boundAt(list[i], position)) {
        return list[i];
      }
    }
  }
  return null;
}

/** The step's bindings of `name` before `position` (see boundAt), latest first. */
export function bindingsBefore(code: StepCode, name: string, position: number): PlacedBinding[] {
  const list = code.bindings.get(name) ?? [];
  const before: PlacedBinding[] = [];
  for (let i = list.length - 1; i >= 0; i--) {
    if (boundAt(list[i], position)) {
      before.push(list[i]);
    }
  }
  return before;
}

export function stepStart(code: StepCode): number {
  return cellStart(code.step.cells[0] ?? 0);
}
