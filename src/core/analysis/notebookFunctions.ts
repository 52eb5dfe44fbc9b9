/**
 * The notebook's own functions, across cells: which parameters each may change, and so which of
 * the cells' call passes (`f(xs)`, CellFacts.callPasses) may change the name passed. A pure helper
 * (`predict(weights, x)`) then no longer makes its arguments count as changed, and steps that only
 * call it on the same data can run in parallel.
 *
 * A call is resolved only where the callee surely is the function: a name bound in the whole
 * notebook by that one undecorated `def` (no other binding, no `global` write, no `import *`,
 * `%run`, `exec` anywhere). Parameters passed on to other functions are changed if those change
 * them: a least fixpoint, so recursion alone changes nothing. Everything else keeps the
 * conservative rule: an unknown callee, `*args`/`**kwargs` on either side, a keyword no parameter
 * takes, a method (`obj.f(xs)`: which class the object has is not known statically).
 *
 * A call of a library function that leaves its arguments alone (libraryFunctions.ts) changes none
 * of them, where the name surely is that function: bound in the whole notebook by imports of it
 * only, never assigned, defined, changed or written through `global`; so does `name.function(...)`
 * where the name is so bound to modules that all have that function.
 */
import { isLibraryModule, preservesArguments } from './libraryFunctions';
import type { CallPass, CellFacts, FunctionFacts, ModuleBinding, NameSite, ParameterPass } from './types';

/** The callees the notebook surely binds to library functions that leave their arguments alone. */
export interface LibraryCallees {
  /** Whether `callee` (a name, or `name.function`) surely is one of them. */
  has(callee: string): boolean;
  /** What the answers depend on, as text: equal keys, equal answers. */
  readonly key: string;
}

const NO_LIBRARY: LibraryCallees = { has: () => false, key: '' };

/** Per function name the notebook surely calls by that name: which of its parameters may change. */
export type ParameterChanges = ReadonlyMap<string, { facts: FunctionFacts; changed: boolean[] }>;

/** The analysed cells' facts; null when one may rebind any name where cellpipe cannot see it (`exec`, `import *`, `%run`). */
function visibleCells(facts: readonly (CellFacts | null)[]): CellFacts[] | null {
  const cells = facts.filter((f): f is CellFacts => f !== null);
  return cells.some(f => f.opaque || f.bindsUnknownNames) ? null : cells;
}

/**
 * The notebook's functions whose calls can be resolved, with the parameters each may change; a
 * parameter passed on to one of the `library` functions is not changed by that (`def evaluate(m, X,
 * y): return accuracy_score(y, m.predict(X))` leaves X and y alone).
 */
export function parameterChanges(facts: readonly (CellFacts | null)[], library: LibraryCallees = libraryCallees(facts)): ParameterChanges {
  const cells = visibleCells(facts);
  if (!cells) {
    return new Map();
  }
  const defined = new Map<string, FunctionFacts | null>();
  for (const cellFacts of cells) {
    for (const fn of cellFacts.functions) {
      defined.set(fn.name, defined.has(fn.name) || fn.decorated ? null : fn);
    }
  }
  if (defined.size === 0) {
    return new Map();
  }
  // The def's own binding is the only one the name may have; a `global` write rebinds it too (in a
  // function: the declaration's mutates; in code that runs at once: the cell's mutations).
  const bindings = new Map<string, number>();
  const rebind = (name: string, count: number): void => {
    const seen = (bindings.get(name) ?? 0) + count;
    bindings.set(name, seen);
    if (seen > 1) {
      defined.set(name, null);
    }
  };
  for (const cellFacts of cells) {
    for (const binding of cellFacts.bindings) {
      if (defined.get(binding.name)) {
        rebind(binding.name, 1);
      }
    }
    for (const site of cellFacts.mutations) {
      if (defined.get(site.name)) {
        rebind(site.name, 2);
      }
    }
    for (const declaration of cellFacts.declarations) {
      for (const name of declaration.mutates) {
        if (defined.get(name)) {
          rebind(name, 2);
        }
      }
    }
  }
  const table = new Map<string, { facts: FunctionFacts; changed: boolean[] }>();
  for (const [name, fn] of defined) {
    if (fn) {
      const changed = fn.parameters.map(() => false);
      fn.changes.forEach(index => (changed[index] = true));
      table.set(name, { facts: fn, changed });
    }
  }
  // Least fixpoint: a parameter passed on to a parameter that changes, changes.
  for (let grew = true; grew;) {
    grew = false;
    for (const { facts: fn, changed } of table.values()) {
      for (const pass of fn.passes) {
        if (!changed[pass.parameter] && passChanges(table, pass, library)) {
          changed[pass.parameter] = true;
          grew = true;
        }
      }
    }
  }
  return table;
}

/** Whether a binding is an import of a library function that leaves its arguments alone. */
function importsLibraryFunction(binding: ModuleBinding): boolean {
  return binding.module !== null && preservesArguments(binding.module);
}

/** Whether a binding is an import of a module of such functions (`from sklearn import metrics`). */
function importsLibraryModule(binding: ModuleBinding): boolean {
  return binding.module !== null && isLibraryModule(binding.module);
}

/** The names a cell's imports bind to library functions that leave their arguments alone, or to their modules. */
function libraryImports(f: CellFacts | null): string[] {
  return f?.bindings.filter(b => importsLibraryFunction(b) || importsLibraryModule(b)).map(b => b.name) ?? [];
}

/** The callees the notebook surely binds to library functions that leave their arguments alone. */
export function libraryCallees(facts: readonly (CellFacts | null)[]): LibraryCallees {
  const cells = visibleCells(facts);
  const functions = new Map<string, boolean>();
  /** Per name bound by imports of library modules only: those modules; null once bound otherwise. */
  const modules = new Map<string, Set<string> | null>();
  const distrust = (name: string): void => {
    functions.set(name, false);
    modules.set(name, null);
  };
  for (const cellFacts of cells ?? []) {
    for (const binding of cellFacts.bindings) {
      functions.set(binding.name, (functions.get(binding.name) ?? true) && importsLibraryFunction(binding));
      const known = modules.get(binding.name);
      modules.set(binding.name, known !== null && importsLibraryModule(binding) ? new Set([...(known ?? []), binding.module!]) : null);
    }
    cellFacts.functions.forEach(fn => distrust(fn.name));
    cellFacts.mutations.forEach(site => distrust(site.name));
    cellFacts.declarations.forEach(declaration => declaration.mutates.forEach(distrust));
  }
  const names = new Set([...functions].filter(([, library]) => library).map(([name]) => name));
  const trustedModules = [...modules].filter((entry): entry is [string, Set<string>] => entry[1] !== null);
  const through = new Map(trustedModules);
  return {
    has(callee: string): boolean {
      const dot = callee.indexOf('.');
      if (dot < 0) {
        return names.has(callee);
      }
      const paths = through.get(callee.slice(0, dot));
      const fn = callee.slice(dot + 1);
      return paths !== undefined && [...paths].every(path => preservesArguments(`${path}.${fn}`));
    },
    key: [...names, ...trustedModules.map(([name, paths]) => `${name}=${[...paths].join(',')}`)].join(' ')
  };
}

/** Whether passing a value to `callee` at `slot` may change it. */
export function passChanges(table: ParameterChanges, pass: Pick<ParameterPass, 'callee' | 'slot'>, library: LibraryCallees = NO_LIBRARY): boolean {
  if (library.has(pass.callee)) {
    return false;
  }
  const target = table.get(pass.callee);
  if (!target) {
    return true;
  }
  const index = parameterAt(target.facts, pass.slot);
  return index < 0 || target.changed[index];
}

/** The parameter a call's argument at `slot` binds, or -1 when it is `*args`, `**kwargs` or none. */
function parameterAt(fn: FunctionFacts, slot: number | string): number {
  const parameters = fn.parameters;
  if (typeof slot === 'string') {
    return parameters.findIndex(p => p.name === slot && (p.kind === 'any' || p.kind === 'keyword'));
  }
  let position = 0;
  for (let i = 0; i < parameters.length; i++) {
    const kind = parameters[i].kind;
    if (kind === 'positional' || kind === 'any') {
      if (position === slot) {
        return i;
      }
      position++;
    }
  }
  return -1;
}

/**
 * Resolves the cells' call passes against the notebook's functions: each cell with call passes gets
 * facts whose `argumentPasses` hold those that may change the name, and no `callPasses`. Between
 * analyses of one notebook, cells that are the same objects as last time keep their answer unless
 * the functions changed, and the functions are worked out again only when a changed cell defines
 * one or binds or changes a function's name (an edit usually does neither).
 */
export class CallResolver {
  private lastInput: readonly (CellFacts | null)[] = [];
  private lastOutput: (CellFacts | null)[] = [];
  private table: ParameterChanges = new Map();
  /** The callees surely bound to argument-preserving library functions (libraryCallees), as of `table`. */
  private library: LibraryCallees = NO_LIBRARY;
  /**
   * Every name a `def` of the notebook binds and every name an import binds to an argument-preserving
   * library function or its module, trusted or not, as of `table`: a cell binding or changing one may
   * change the answer.
   */
  private functionNames: ReadonlySet<string> = new Set();
  /** Which parameters the notebook's functions change, as of `version`. */
  private tableKey = '';
  private version = 0;
  private readonly resolved = new WeakMap<CellFacts, { version: number; key: string; facts: CellFacts }>();

  resolve(facts: readonly (CellFacts | null)[]): (CellFacts | null)[] {
    const last = this.lastInput;
    const changed: number[] = [];
    if (facts.length === last.length) {
      facts.forEach((f, i) => f !== last[i] && changed.push(i));
      if (changed.length === 0) {
        return [...this.lastOutput];
      }
    }
    const version = this.version;
    if (facts.length !== last.length || changed.some(i => this.touchesFunctions(facts[i]) || this.touchesFunctions(last[i]))) {
      this.updateTable(facts);
    }
    const unchanged = facts.length === last.length && this.version === version;
    const output = facts.map((f, i) => (unchanged && f === last[i] ? this.lastOutput[i] : this.resolveCell(f)));
    this.lastInput = facts;
    this.lastOutput = output;
    return [...output];
  }

  private updateTable(facts: readonly (CellFacts | null)[]): void {
    this.library = libraryCallees(facts);
    this.table = parameterChanges(facts, this.library);
    this.functionNames = new Set(facts.flatMap(f => [...(f?.functions.map(fn => fn.name) ?? []), ...libraryImports(f)]));
    const key = [...[...this.table].map(([name, { changed }]) => `${name}:${changed.map(Number).join('')}`), this.library.key].join(' ');
    if (key !== this.tableKey) {
      this.tableKey = key;
      this.version++;
    }
  }

  /** Whether a cell may change which functions resolve, or how (see parameterChanges). */
  private touchesFunctions(f: CellFacts | null): boolean {
    if (!f) {
      return false;
    }
    const names = this.functionNames;
    return (
      f.functions.length > 0 ||
      f.opaque ||
      f.bindsUnknownNames ||
      libraryImports(f).length > 0 ||
      (names.size > 0 &&
        (f.bindings.some(b => names.has(b.name)) ||
          f.mutations.some(m => names.has(m.name)) ||
          f.declarations.some(d => d.mutates.some(name => names.has(name)))))
    );
  }

  private resolveCell(f: CellFacts | null): CellFacts | null {
    if (!f || f.callPasses.length === 0) {
      return f;
    }
    const cached = this.resolved.get(f);
    if (cached?.version === this.version) {
      return cached.facts;
    }
    const changes = f.callPasses.map(pass => passChanges(this.table, pass, this.library));
    const key = changes.map(Number).join('');
    const resolved = cached?.key === key ? cached.facts : resolveCell(f, changes);
    this.resolved.set(f, { version: this.version, key, facts: resolved });
    return resolved;
  }
}

/** Resolves the cells' call passes (see CallResolver), without caching. */
export function resolveCallPasses(facts: readonly (CellFacts | null)[]): (CellFacts | null)[] {
  const library = libraryCallees(facts);
  const table = parameterChanges(facts, library);
  return facts.map(f =>
    f && f.callPasses.length > 0
      ? resolveCell(
          f,
          f.callPasses.map(pass => passChanges(table, pass, library))
        )
      : f
  );
}

/** The cell's facts with the call passes that may change their name (`changes`) as argument passes. */
function resolveCell(cellFacts: CellFacts, changes: boolean[]): CellFacts {
  return {
    ...cellFacts,
    argumentPasses: withPasses(
      cellFacts.argumentPasses,
      cellFacts.callPasses.filter((_, i) => changes[i])
    ),
    callPasses: []
  };
}

/** `sites` with the first site of each name among `passes` added (or moved earlier). */
function withPasses(sites: NameSite[], passes: CallPass[]): NameSite[] {
  if (passes.length === 0) {
    return sites;
  }
  const first = new Map(sites.map(site => [site.name, site]));
  for (const { name, offset, line, column } of passes) {
    const known = first.get(name);
    if (!known || offset < known.offset) {
      first.set(name, { name, offset, line, column });
    }
  }
  return [...first.values()];
}
