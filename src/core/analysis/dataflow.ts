/**
 * Dataflow across steps (DESIGN.md, "Dataflow"): the source of name N for step S is the last step
 * before S, in notebook order, that binds or changes N. That gives an edge source -> S, and makes N
 * an output of the source and an input of S. Declarations (import/def/class) are code: a step that
 * uses one gets its statement run first, with what it uses in turn. `prev:` tags add edges.
 */
import { diagnostic, type Diagnostic, type NotebookPlan, type Step } from '../notebook';
import { BUILTINS, STATE_SETTERS } from './builtins';
import { cellEnd, notebookPosition } from './positions';
import {
  bindingsBefore,
  declarationOf,
  latestBindingBefore,
  mergeStepCode,
  stepStart,
  type PlacedSite,
  type StepCode
} from './stepCode';
import type { CellFacts, Declaration, DeclarationRef, ModuleBinding, NameSite, Parameter, StateCall, StepAnalysis } from './types';

/** Where the value a name has at some point of the notebook comes from. */
type Source =
  | { kind: 'parameter' }
  | { kind: 'declaration'; step: string | null; ref: DeclarationRef }
  | { kind: 'data'; step: string; cell: number; binding: ModuleBinding | null }
  | { kind: 'deleted'; step: string };

export interface DataflowInput {
  plan: NotebookPlan;
  /** Facts by cell index; null for cells that are not analysed. */
  facts: readonly (CellFacts | null)[];
  parameters: readonly Parameter[];
}

export interface Dataflow {
  steps: StepAnalysis[];
  metrics: string[];
  diagnostics: Diagnostic[];
}

const refKey = (ref: DeclarationRef): string => `${ref.cell}:${ref.index}`;

/** A call that sets a package's random state, in a step. */
interface StateSetting {
  step: string;
  cell: number;
  line: number;
  /** The call as written, e.g. `np.random.seed`. */
  call: string;
}

/** The state of one step while its dataflow is worked out. */
class StepState {
  readonly analysis: StepAnalysis;
  readonly inputs = new Map<string, PlacedSite | null>();
  readonly parameters = new Set<string>();
  readonly injected = new Map<string, DeclarationRef>();
  /** The step's own declarations its code uses. */
  readonly expanded = new Map<string, DeclarationRef>();
  /** Names its code or the functions it uses may change in place (or rebind through `global`). */
  readonly changed = new Set<string>();
  readonly dependsOn = new Set<string>();

  constructor(
    readonly code: StepCode,
    readonly step: Step
  ) {
    this.analysis = {
      name: step.name,
      cells: [...step.cells],
      reads: [],
      writes: [],
      mutates: [],
      declares: [],
      dependsOn: [],
      inputs: [],
      inputSources: {},
      outputs: [],
      parameters: [],
      declarations: [],
      injected: [],
      metrics: []
    };
  }
}

class DataflowBuilder {
  private readonly current = new Map<string, Source>();
  /** Names whose current source is a declaration that defines classes. */
  private readonly classSources = new Map<string, DeclarationRef>();
  private readonly diagnostics: Diagnostic[] = [];
  private readonly states = new Map<string, StepState>();
  private readonly outputs = new Map<string, Set<string>>();
  private readonly metrics = new Map<string, Set<string>>();
  private readonly allMetrics = new Set<string>();
  private readonly always: DeclarationRef[] = [];
  /** A cell above may define names cellpipe cannot see (import *, %run, exec). */
  private unknownNamesAbove = false;
  /** By package: the latest step above that sets its random state. */
  private readonly stateSetters = new Map<string, StateSetting>();

  constructor(private readonly input: DataflowInput) {}

  run(): Dataflow {
    const { plan } = this.input;
    this.addPrelude();
    const units: { position: number; visit: () => void }[] = [
      ...plan.steps.map(step => ({ position: step.cells[0] ?? 0, visit: () => this.visitStep(step) })),
      ...plan.metricsCells.map(cell => ({ position: cell, visit: () => this.visitMetrics(cell) }))
    ];
    units.sort((a, b) => a.position - b.position).forEach(unit => unit.visit());
    this.addPrevEdges();
    this.checkDeferredNames();
    const steps = plan.steps.map(step => this.finish(this.states.get(step.name)!));
    return { steps, metrics: [...this.allMetrics].sort(), diagnostics: this.diagnostics };
  }

  private declaration(ref: DeclarationRef): Declaration {
    return this.input.facts[ref.cell]!.declarations[ref.index];
  }

  private setSource(name: string, source: Source): void {
    this.current.set(name, source);
    if (source.kind === 'declaration' && this.declaration(source.ref).classes.length > 0) {
      this.classSources.set(name, source.ref);
    } else {
      this.classSources.delete(name);
    }
  }

  /** Prelude and parameter cells run before every step: their names are visible everywhere. */
  private addPrelude(): void {
    const { plan, facts, parameters } = this.input;
    for (const cell of [...plan.preludeCells, ...plan.parameterCells].sort((a, b) => a - b)) {
      const cellFacts = facts[cell];
      if (!cellFacts) {
        continue;
      }
      this.unknownNamesAbove ||= cellFacts.bindsUnknownNames || cellFacts.opaque;
      for (const binding of cellFacts.bindings) {
        if (binding.kind === 'declaration' && binding.declaration !== null) {
          this.setSource(binding.name, { kind: 'declaration', step: null, ref: { cell, index: binding.declaration } });
        }
      }
      cellFacts.declarations.forEach((declaration, index) => {
        if (declaration.names.length === 0) {
          this.always.push({ cell, index });
        }
      });
    }
    for (const parameter of parameters) {
      this.setSource(parameter.name, { kind: 'parameter' });
    }
  }

  private report(severity: Diagnostic['severity'], code: string, message: string, cell: number | null, site?: { line: number; column: number }): void {
    this.diagnostics.push(diagnostic(severity, code, message, cell, site?.line, site?.column));
  }

  // ------------------------------------------------------------------ one step

  private visitStep(step: Step): void {
    const code = mergeStepCode(step, this.input.facts);
    const state = new StepState(code, step);
    this.states.set(step.name, state);
    const start = stepStart(code);
    const end = cellEnd(step.cells[step.cells.length - 1] ?? 0);
    this.always.forEach(ref => this.inject(state, ref, start));
    for (const [name, site] of code.freeLoads) {
      this.need(state, name, site.position, site);
    }
    // A function the step declares runs where it is used: what it uses is needed there.
    for (const { cell, sites } of code.uses) {
      for (const use of sites) {
        if (!code.bindings.has(use.name)) {
          continue;
        }
        const position = notebookPosition(cell, use.offset);
        const latest = latestBindingBefore(code, use.name, position);
        const ref = latest && latest.binding.kind === 'declaration' ? declarationOf(latest) : null;
        if (ref) {
          this.expandOwn(state, ref, position);
        }
      }
    }
    for (const name of code.mutations) {
      state.changed.add(name);
    }
    for (const name of code.argumentPasses) {
      if (!this.isImmutable(state, name)) {
        state.changed.add(name);
      }
    }
    if (code.opaque) {
      // exec/eval/globals(): the step may read and change every data name defined above.
      for (const [name, source] of this.current) {
        if (source.kind === 'data') {
          this.need(state, name, start, null);
          state.changed.add(name);
        }
      }
    }
    // A name the step may change, or may bind, keeps its old value when the change does not happen:
    // the step needs that value to pass it on.
    for (const name of this.maybeChanged(state)) {
      this.need(state, name, end, null);
    }
    if (state.inputs.size > 0) {
      this.injectVisibleClasses(state, start);
    }
    this.connectInputs(state);
    this.checkSplitStep(state);
    this.checkModuleState(state);
    this.updateSources(state);
    this.unknownNamesAbove ||= code.bindsUnknownNames || code.opaque;
  }

  /** Names the step changes in place, or binds only maybe, that existed before it. */
  private maybeChanged(state: StepState): string[] {
    const names = new Set(state.changed);
    for (const [name, bindings] of state.code.bindings) {
      if (!bindings.some(b => b.binding.definite) && bindings.some(b => b.binding.kind === 'data')) {
        names.add(name);
      }
    }
    return [...names].filter(name => {
      const source = this.current.get(name);
      return source?.kind === 'data' && !(state.code.bindings.get(name) ?? []).some(b => b.binding.definite && b.binding.kind === 'data');
    });
  }

  private isImmutable(state: StepState, name: string): boolean {
    const own = state.code.bindings.get(name);
    const binding = own ? own[own.length - 1].binding : null;
    if (binding) {
      return binding.value === 'immutable';
    }
    const source = this.current.get(name);
    return source?.kind === 'parameter' || (source?.kind === 'data' && source.binding?.value === 'immutable');
  }

  /**
   * The step needs `name`'s value at `position`: satisfied by its own code bound before, or by a
   * declaration it runs, a parameter, or another step's data. `site` is where a module-level load
   * happens (for diagnostics); null for needs that come from functions and declarations.
   */
  private need(state: StepState, name: string, position: number, site: PlacedSite | null): void {
    if (name === '*') {
      return;
    }
    let maybeBound = false;
    for (const placed of bindingsBefore(state.code, name, position)) {
      const ref = placed.binding.kind === 'declaration' ? declarationOf(placed) : null;
      if (ref) {
        this.expandOwn(state, ref, position);
      }
      if (placed.binding.definite) {
        return;
      }
      maybeBound = true;
    }
    const source = this.current.get(name);
    switch (source?.kind) {
      case 'parameter':
        state.parameters.add(name);
        return;
      case 'declaration':
        this.inject(state, source.ref, position);
        return;
      case 'data':
        if (!state.inputs.has(name)) {
          state.inputs.set(name, site);
        }
        return;
    }
    if (BUILTINS.has(name) && source === undefined) {
      return;
    }
    const star = this.current.get('*');
    if (star?.kind === 'declaration') {
      this.inject(state, star.ref, position);
      return;
    }
    if (site && !maybeBound) {
      this.reportUndefined(name, site, source?.kind === 'deleted' ? source.step : null);
    }
  }

  private reportUndefined(name: string, site: PlacedSite, deletedBy: string | null): void {
    const uncertain = this.unknownNamesAbove;
    const why = deletedBy
      ? `was deleted (del ${name}) in step ${JSON.stringify(deletedBy)}`
      : 'is not defined in any cell above';
    this.report(
      uncertain ? 'warning' : 'error',
      'undefined-name',
      `Name '${name}' ${why}, so Run All would fail here${uncertain ? ' (unless import *, %run or exec above defines it)' : ''}. Define it in an earlier cell, or make it a pipeline parameter.`,
      site.cell,
      site
    );
  }

  /** Runs a declaration from another step or the prelude before the step's code. */
  private inject(state: StepState, ref: DeclarationRef, position: number): void {
    const key = refKey(ref);
    if (state.injected.has(key)) {
      return;
    }
    state.injected.set(key, ref);
    const declaration = this.declaration(ref);
    declaration.uses.forEach(name => this.need(state, name, position, null));
    declaration.mutates.forEach(name => state.changed.add(name));
  }

  /** A declaration of the step's own, used at `position`: its functions' free names are needed there. */
  private expandOwn(state: StepState, ref: DeclarationRef, position: number): void {
    const key = refKey(ref);
    if (state.expanded.has(key)) {
      return;
    }
    state.expanded.set(key, ref);
    const declaration = this.declaration(ref);
    declaration.deferredUses.forEach(use => this.need(state, use.name, position, null));
    declaration.mutates.forEach(name => state.changed.add(name));
  }

  /** A value whose class the notebook declares loads only where the class exists (DESIGN.md). */
  private injectVisibleClasses(state: StepState, position: number): void {
    for (const ref of [...this.classSources.values()]) {
      this.inject(state, ref, position);
    }
  }

  private connectInputs(state: StepState): void {
    for (const name of state.inputs.keys()) {
      const source = this.current.get(name);
      if (source?.kind !== 'data') {
        continue;
      }
      state.dependsOn.add(source.step);
      state.analysis.inputSources[name] = source.step;
      let outputs = this.outputs.get(source.step);
      if (!outputs) {
        outputs = new Set();
        this.outputs.set(source.step, outputs);
      }
      if (!outputs.has(name)) {
        outputs.add(name);
        this.checkPicklable(name, source);
      }
    }
  }

  /** Values cellpipe can tell cannot travel between steps, from the binding that made them. */
  private checkPicklable(name: string, source: Extract<Source, { kind: 'data' }>): void {
    const binding = source.binding;
    if (!binding) {
      return;
    }
    let kind: string | null = null;
    if (binding.value === 'file') {
      kind = 'an open file';
    } else if (binding.value === 'generator') {
      kind = 'a generator';
    } else if (binding.value === 'call' && binding.callee && this.isGeneratorFunction(binding.callee, source.cell)) {
      kind = `a generator (${binding.callee}() is a generator function)`;
    }
    if (kind) {
      this.report(
        'error',
        'unpicklable-value',
        `'${name}' holds ${kind}, which cannot be saved and passed to another step. Turn it into data (e.g. list(...) or the file's contents) in step ${JSON.stringify(source.step)}, or compute it in the step that uses it.`,
        source.cell,
        binding
      );
    } else if (binding.value === 'lambda') {
      this.report(
        'warning',
        'unpicklable-value',
        `'${name}' holds a lambda, which plain pickle cannot save; passing it to another step needs cloudpickle or dill in the step image. Use a def in the functions cell instead.`,
        source.cell,
        binding
      );
    }
  }

  private isGeneratorFunction(name: string, beforeCell: number): boolean {
    const source = this.current.get(name);
    if (source?.kind === 'declaration') {
      return this.declaration(source.ref).generators.includes(name);
    }
    const facts = this.input.facts[beforeCell];
    return facts?.declarations.some(d => d.generators.includes(name)) ?? false;
  }

  /**
   * Cells of one step may be apart, but the step runs where its first cell is. That reorders code:
   * report a later cell of the step using a name a cell of another step in between changes.
   */
  private checkSplitStep(state: StepState): void {
    const cells = state.step.cells;
    const first = cells[0];
    if (cells.length < 2 || cells[cells.length - 1] - first === cells.length - 1) {
      return;
    }
    for (const later of cells.slice(1)) {
      const reported = new Set<string>();
      for (const use of this.input.facts[later]?.uses ?? []) {
        for (let cell = first + 1; cell < later && !reported.has(use.name); cell++) {
          const plan = this.input.plan.cells[cell];
          const facts = this.input.facts[cell];
          if (plan.role === 'step' && plan.step !== state.step.name && facts && changesName(facts, use.name)) {
            reported.add(use.name);
            this.report(
              'error',
              'split-step-order',
              `Cell ${later} belongs to step ${JSON.stringify(state.step.name)}, which runs where its first cell (${first}) is, before cell ${cell} (step ${JSON.stringify(plan.step)}) changes '${use.name}'. Run All would use the changed '${use.name}' here: give cell ${later} its own step, or move it.`,
              later,
              use
            );
          }
        }
      }
    }
  }

  /**
   * Modules are code, not data (DESIGN.md): the random state a step sets (`random.seed(1)`) stays in
   * that step's process, while Run All carries it on to every later cell. Reported where a later
   * step, in notebook order (the order Run All runs the steps in, whether or not the DAG connects
   * them), uses the module without setting its state itself. A setting call in an `imports` cell
   * runs at the start of every step that uses it and is not reported; neither is one inside a
   * function the step uses (the step counts as setting the state).
   */
  private checkModuleState(state: StepState): void {
    const own = this.stateSettings(state);
    for (const [pkg, setting] of this.stateSetters) {
      if (own.has(pkg)) {
        continue;
      }
      const use = this.packageUse(state, pkg);
      if (use) {
        this.report(
          'warning',
          'module-state-across-steps',
          `Step ${JSON.stringify(state.step.name)} uses ${pkg}${use.name === pkg ? '' : ` (as ${use.name})`}, whose random state step ${JSON.stringify(setting.step)} sets with ${setting.call}() (cell ${setting.cell}, line ${setting.line}). Modules are not passed between steps: this step starts from a fresh random state, so its random numbers differ from Run All's. Seed in the step that draws the numbers, or move the seeding call into an \`imports\` cell so every step runs it.`,
          use.cell,
          use.site
        );
      }
    }
    for (const [pkg, setting] of own) {
      this.stateSetters.set(pkg, setting);
    }
  }

  /** The packages whose random state the step sets: by its own code, or by a declaration it runs. */
  private stateSettings(state: StepState): Map<string, StateSetting> {
    const settings = new Map<string, StateSetting>();
    const end = cellEnd(state.step.cells[state.step.cells.length - 1] ?? 0);
    const add = (call: StateCall, cell: number, position: number): void => {
      const module = this.importedModule(state, call.name, position);
      const pkg = module === null ? undefined : STATE_SETTERS.get(module + call.chain.slice(call.name.length));
      if (pkg && !settings.has(pkg)) {
        settings.set(pkg, { step: state.step.name, cell, line: call.line, call: call.chain });
      }
    };
    for (const cell of state.step.cells) {
      for (const call of this.input.facts[cell]?.stateCalls ?? []) {
        add(call, cell, notebookPosition(cell, call.offset));
      }
    }
    for (const ref of [...state.injected.values(), ...state.expanded.values()]) {
      for (const call of this.declaration(ref).stateCalls) {
        add(call, ref.cell, end);
      }
    }
    return settings;
  }

  /** The dotted path `name` was imported as, where the step uses it at `position`; null for data. */
  private importedModule(state: StepState, name: string, position: number): string | null {
    const own = latestBindingBefore(state.code, name, position);
    if (own) {
      return own.binding.module;
    }
    const source = this.current.get(name);
    return source?.kind === 'declaration' ? this.importBinding(source.ref, name)?.module ?? null : null;
  }

  private importBinding(ref: DeclarationRef, name: string): ModuleBinding | undefined {
    return this.input.facts[ref.cell]?.bindings.find(b => b.name === name && b.declaration === ref.index);
  }

  /**
   * Where the step uses a module of `pkg`: the first use of a name its own imports or the imports
   * it runs bind to one (at the step's first cell when only its functions use it); null if none.
   */
  private packageUse(state: StepState, pkg: string): { name: string; cell: number; site?: NameSite } | null {
    const inPackage = (module: string | null): boolean => module !== null && (module === pkg || module.startsWith(pkg + '.'));
    const names = new Set<string>();
    for (const [name, bindings] of state.code.bindings) {
      if (bindings.some(b => inPackage(b.binding.module))) {
        names.add(name);
      }
    }
    for (const ref of state.injected.values()) {
      for (const name of this.declaration(ref).names) {
        if (inPackage(this.importBinding(ref, name)?.module ?? null)) {
          names.add(name);
        }
      }
    }
    if (names.size === 0) {
      return null;
    }
    for (const { cell, sites } of state.code.uses) {
      const site = sites.find(use => names.has(use.name));
      if (site) {
        return { name: site.name, cell, site };
      }
    }
    return { name: [...names][0], cell: state.step.cells[0] };
  }

  /** After the step: the names it binds or changes now come from it. */
  private updateSources(state: StepState): void {
    const name = state.step.name;
    const writes = new Set<string>();
    const declares = new Set<string>();
    for (const [bound, bindings] of state.code.bindings) {
      const last = bindings[bindings.length - 1];
      const ref = declarationOf(last);
      if (last.binding.kind === 'declaration' && ref) {
        this.setSource(bound, { kind: 'declaration', step: name, ref });
        declares.add(bound);
      } else if (last.binding.kind === 'data') {
        this.setSource(bound, { kind: 'data', step: name, cell: last.cell, binding: last.binding });
        writes.add(bound);
      } else if (last.binding.definite) {
        this.setSource(bound, { kind: 'deleted', step: name });
      }
    }
    const mutates = new Set<string>();
    for (const changed of state.changed) {
      const source = this.current.get(changed);
      if (source?.kind === 'data') {
        // Modules, functions, classes and parameters changed in place are not data: ignored.
        if (source.step !== name) {
          this.setSource(changed, { ...source, step: name });
        }
        mutates.add(changed);
      } else if (source === undefined && !BUILTINS.has(changed) && state.code.bindings.get(changed) === undefined && changed !== '*') {
        // A `global` write by a function the step runs creates the name.
        this.setSource(changed, { kind: 'data', step: name, cell: state.step.cells[0], binding: null });
        mutates.add(changed);
      }
    }
    state.analysis.writes = [...writes].sort();
    state.analysis.mutates = [...mutates].sort();
    state.analysis.declares = [...declares].sort();
  }

  // ------------------------------------------------------------------ metrics, prev, checks

  private visitMetrics(cell: number): void {
    const facts = this.input.facts[cell];
    for (const load of facts?.loads ?? []) {
      const source = this.current.get(load.name);
      if (source?.kind === 'data') {
        this.allMetrics.add(load.name);
        let set = this.metrics.get(source.step);
        if (!set) {
          set = new Set();
          this.metrics.set(source.step, set);
        }
        set.add(load.name);
      } else if (!BUILTINS.has(load.name)) {
        this.report(
          'warning',
          'unknown-metric',
          `Metric '${load.name}' is not a value any step computes above this cell; it is not reported. List names of numbers the steps compute.`,
          cell,
          load
        );
      }
    }
  }

  private addPrevEdges(): void {
    for (const state of this.states.values()) {
      for (const prev of state.step.prev) {
        if (this.states.has(prev.name)) {
          state.dependsOn.add(prev.name);
        } else {
          this.report(
            'error',
            'unknown-prev',
            `Tag prev:${prev.name} names no step of this notebook. Fix the name or remove the tag.`,
            prev.cell
          );
        }
      }
    }
    for (const state of this.states.values()) {
      for (const prev of state.step.prev) {
        if (this.states.has(prev.name) && this.dependsOnTransitively(prev.name, state.step.name)) {
          this.report(
            'error',
            'prev-cycle',
            `Tag prev:${prev.name} makes a cycle: step ${JSON.stringify(prev.name)} already depends on step ${JSON.stringify(state.step.name)}. Remove the tag or reorder the steps.`,
            prev.cell
          );
        }
      }
    }
  }

  /** Whether `from` depends on `on`, directly or through other steps (`from === on` counts). */
  private dependsOnTransitively(from: string, on: string): boolean {
    const seen = new Set<string>([from]);
    const queue = [from];
    while (queue.length > 0) {
      const step = queue.pop()!;
      if (step === on) {
        return true;
      }
      for (const next of this.states.get(step)?.dependsOn ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    return false;
  }

  /** Names functions use that no cell of the notebook defines (pyflakes' "undefined name"). */
  private checkDeferredNames(): void {
    const { facts } = this.input;
    const defined = new Set<string>(this.input.parameters.map(p => p.name));
    let unknown = false;
    for (const cellFacts of facts) {
      cellFacts?.bindings.forEach(binding => defined.add(binding.name));
      cellFacts?.declarations.forEach(d => d.mutates.forEach(name => defined.add(name)));
      unknown ||= Boolean(cellFacts && (cellFacts.bindsUnknownNames || cellFacts.opaque));
    }
    if (unknown) {
      return;
    }
    facts.forEach((cellFacts, cell) => {
      for (const declaration of cellFacts?.declarations ?? []) {
        for (const use of declaration.deferredUses) {
          if (!defined.has(use.name) && !BUILTINS.has(use.name)) {
            this.report(
              'warning',
              'undefined-name',
              `Name '${use.name}' is used in a function but no cell of the notebook defines it; calling the function would fail. Define it, or pass it as an argument.`,
              cell,
              use
            );
          }
        }
      }
    });
  }

  private finish(state: StepState): StepAnalysis {
    const analysis = state.analysis;
    const injected = [...state.injected.values()].sort((a, b) => a.cell - b.cell || a.index - b.index);
    const declarations = new Set(injected.flatMap(ref => this.declaration(ref).names).filter(name => name !== '*'));
    analysis.inputs = [...state.inputs.keys()].sort();
    analysis.parameters = [...state.parameters].sort();
    analysis.injected = injected;
    analysis.declarations = [...declarations].sort();
    analysis.reads = [...new Set([...analysis.inputs, ...analysis.parameters, ...analysis.declarations])].sort();
    analysis.dependsOn = [...state.dependsOn].sort();
    analysis.outputs = [...(this.outputs.get(state.step.name) ?? [])].sort();
    analysis.metrics = [...(this.metrics.get(state.step.name) ?? [])].sort();
    return analysis;
  }
}

function changesName(facts: CellFacts, name: string): boolean {
  return (
    facts.bindings.some(b => b.name === name) ||
    facts.mutations.some(m => m.name === name) ||
    facts.argumentPasses.some(m => m.name === name) ||
    facts.callPasses.some(m => m.name === name)
  );
}

export function inferDataflow(input: DataflowInput): Dataflow {
  return new DataflowBuilder(input).run();
}

