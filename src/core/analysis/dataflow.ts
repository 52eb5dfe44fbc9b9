/**
 * Dataflow across steps (DESIGN.md, "Dataflow"): the source of name N for step S is the last step
 * before S, in notebook order, that binds or changes N. That gives an edge source -> S, and makes N
 * an output of the source and an input of S. Declarations (import/def/class) are code: a step that
 * uses one gets its statement run first, with what it uses in turn. `prev:` tags add edges.
 */
import { diagnostic, type Diagnostic, type Step } from '../notebook';
import { BUILTINS } from './builtins';
import { FanOutSteps } from './checks/fanOutSteps';
import { PrevTags } from './checks/prevTags';
import { SplitSteps } from './checks/splitSteps';
import { UndefinedNames } from './checks/undefinedNames';
import { UnknownMetrics } from './checks/unknownMetrics';
import { UnpicklableValues } from './checks/unpicklableValues';
import { DATAFLOW_CHECK_HOOKS, type DataflowCheck, type DataflowView } from './dataflowCheck';
import { StepState, type DataflowInput, type DataSource, type Source } from './dataflowState';
import { hookListeners, type HookListeners } from './hookListeners';
import { ProcessStateFlow } from './processStateFlow';
import { cellEnd, notebookPosition } from './positions';
import { bindingsBefore, declarationOf, latestBindingBefore, mergeStepCode, stepStart, type PlacedSite } from './stepCode';
import type { Declaration, DeclarationRef, StepAnalysis } from './types';

export type { DataflowInput } from './dataflowState';

export interface Dataflow {
  steps: StepAnalysis[];
  metrics: string[];
  diagnostics: Diagnostic[];
}

const refKey = (ref: DeclarationRef): string => `${ref.cell}:${ref.index}`;

class DataflowBuilder implements DataflowView {
  private readonly current = new Map<string, Source>();
  /** Names whose current source is a declaration that defines classes. */
  private readonly classSources = new Map<string, DeclarationRef>();
  private readonly diagnostics: Diagnostic[] = [];
  private readonly states = new Map<string, StepState>();
  private readonly outputs = new Map<string, Set<string>>();
  /** By step: its results (StepAnalysis.results) no later step has loaded so far. */
  private readonly results = new Map<string, Set<string>>();
  private readonly metrics = new Map<string, Set<string>>();
  private readonly allMetrics = new Set<string>();
  private readonly always: DeclarationRef[] = [];
  /** A cell above may define names cellpipe cannot see (import *, %run, exec). */
  unknownNamesAbove = false;
  private readonly checks: HookListeners<DataflowCheck>;
  private readonly processState: ProcessStateFlow;

  constructor(readonly input: DataflowInput) {
    const report = this.report.bind(this);
    this.processState = new ProcessStateFlow(this, (state, name, position) => this.need(state, name, position, null), report);
    // In the order their diagnostics come when several report on one event.
    const checks: DataflowCheck[] = [
      new PrevTags(report),
      new UndefinedNames(this, report),
      new UnpicklableValues(this, report),
      new SplitSteps(this, report),
      new FanOutSteps(this, report),
      new UnknownMetrics(report)
    ];
    this.checks = hookListeners(checks, DATAFLOW_CHECK_HOOKS);
  }

  run(): Dataflow {
    const { plan } = this.input;
    this.addPrelude();
    const units: { position: number; visit: () => void }[] = [
      ...plan.steps.map(step => ({ position: step.cells[0] ?? 0, visit: () => this.visitStep(step) })),
      ...plan.metricsCells.map(cell => ({ position: cell, visit: () => this.visitMetrics(cell) }))
    ];
    units.sort((a, b) => a.position - b.position).forEach(unit => unit.visit());
    this.addPrevEdges();
    this.processState.dataflowBuilt(step => {
      const state = this.states.get(step);
      return state ? [...Object.values(state.analysis.inputSources), ...state.step.prev.map(prev => prev.name)] : [];
    });
    this.checks.dataflowBuilt.forEach(check => check(this.states));
    const steps = plan.steps.map(step => this.finish(this.states.get(step.name)!));
    return { steps, metrics: [...this.allMetrics].sort(), diagnostics: this.diagnostics };
  }

  source(name: string): Source | undefined {
    return this.current.get(name);
  }

  declaration(ref: DeclarationRef): Declaration {
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
    this.processState.preludeVisited(plan.preludeCells);
    for (const parameter of parameters) {
      this.setSource(parameter.name, { kind: 'parameter' });
    }
  }

  private report(
    severity: Diagnostic['severity'],
    code: string,
    message: string,
    cell: number | null,
    site?: { line: number; column: number }
  ): void {
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
    for (const name of this.maybeChanged(state)) {
      this.keepOldValue(state, name, end);
    }
    this.processState.stepVisited(state, start);
    // A value it passes on may be loaded later (keepOldValue): its classes must exist by then too.
    if (state.inputs.size > 0 || state.passOn.size > 0) {
      this.injectVisibleClasses(state, start);
    }
    this.connectInputs(state);
    this.checks.stepConnected.forEach(check => check(state));
    this.updateSources(state);
    this.keepResult(state);
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

  /**
   * A name the step may change, or may bind, keeps its old value when the change does not happen:
   * the step must load that value to pass it on, but only if a later step reads the name from it.
   * need() tells whether the step's own code supplies it; what it would load waits in `passOn`
   * until connect() finds a reader.
   */
  private keepOldValue(state: StepState, name: string, end: number): void {
    const source = this.current.get(name);
    if (source?.kind !== 'data' || state.inputs.has(name)) {
      return;
    }
    this.need(state, name, end, null);
    if (state.inputs.delete(name)) {
      state.passOn.set(name, source);
    }
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
      const deletedBy = source?.kind === 'deleted' ? source.step : null;
      this.checks.nameUndefined.forEach(check => check(name, site, deletedBy));
    }
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
      if (source?.kind === 'data') {
        this.connect(state, name, source);
      }
    }
  }

  /**
   * Kale #783: the bare name on the step's last line (`model`) is what the notebook shows as its
   * result, so the step saves it even if no later step loads it. Only data the step binds or
   * changes: a module, function, class or parameter is not data, and a value the step only loads
   * is saved by the step it comes from.
   */
  private keepResult(state: StepState): void {
    const step = state.step.name;
    const last = state.step.cells[state.step.cells.length - 1];
    const name = last === undefined ? null : (this.input.facts[last]?.resultName ?? null);
    const source = name === null ? undefined : this.current.get(name);
    if (name !== null && source?.kind === 'data' && source.step === step) {
      this.results.set(step, new Set([name]));
      this.valueRead(step, name);
    }
  }

  /** The step loads `name` from the step `source` names, which saves it for it. */
  private connect(state: StepState, name: string, source: DataSource): void {
    this.results.get(source.step)?.delete(name); // a value a step loads must be saved: no longer a mere result
    state.dependsOn.add(source.step);
    state.analysis.inputSources[name] = source.step;
    let outputs = this.outputs.get(source.step);
    if (!outputs) {
      outputs = new Set();
      this.outputs.set(source.step, outputs);
    }
    if (!outputs.has(name)) {
      outputs.add(name);
      this.checks.outputAdded.forEach(check => check(name, source));
    }
    this.valueRead(source.step, name);
  }

  /** A later step, or a metrics cell, reads `name` from `step`: a value it only passes on, it loads. */
  private valueRead(step: string, name: string): void {
    const state = this.states.get(step);
    const kept = state?.passOn.get(name);
    if (state && kept) {
      state.passOn.delete(name);
      state.inputs.set(name, null);
      this.connect(state, name, kept);
    }
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

  // ------------------------------------------------------------------ metrics, prev

  private visitMetrics(cell: number): void {
    const facts = this.input.facts[cell];
    // A parameter has one value in every step (Kale lists it too): the last step above reports it.
    const lastStep = [...this.states.values()].filter(state => state.step.cells[0] < cell).pop()?.step.name;
    for (const load of facts?.loads ?? []) {
      const source = this.current.get(load.name);
      const reporter = source?.kind === 'data' ? source.step : source?.kind === 'parameter' ? lastStep : undefined;
      if (reporter !== undefined) {
        if (source?.kind === 'data') {
          this.valueRead(source.step, load.name);
        }
        this.allMetrics.add(load.name);
        let set = this.metrics.get(reporter);
        if (!set) {
          set = new Set();
          this.metrics.set(reporter, set);
        }
        set.add(load.name);
      } else {
        this.checks.metricUnknown.forEach(check => check(load.name, cell, load));
      }
    }
  }

  private addPrevEdges(): void {
    for (const state of this.states.values()) {
      for (const prev of state.step.prev) {
        if (this.states.has(prev.name)) {
          state.dependsOn.add(prev.name);
        }
      }
    }
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
    const results = [...(this.results.get(state.step.name) ?? [])];
    analysis.outputs = [...new Set([...(this.outputs.get(state.step.name) ?? []), ...results])].sort();
    analysis.results = results.sort();
    analysis.metrics = [...(this.metrics.get(state.step.name) ?? [])].sort();
    return analysis;
  }
}

export function inferDataflow(input: DataflowInput): Dataflow {
  return new DataflowBuilder(input).run();
}
