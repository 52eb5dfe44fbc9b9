/**
 * `module-state-across-steps`. Modules are code, not data (DESIGN.md): the random state a step
 * sets (`random.seed(1)`) stays in that step's process, while Run All carries it on to every later
 * cell. Reported where a later step, in notebook order (the order Run All runs the steps in,
 * whether or not the DAG connects them), uses the module without setting its state itself. A
 * setting call in an `imports` cell runs at the start of every step that uses it and is not
 * reported; neither is one inside a function the step uses (the step counts as setting the state).
 */
import { STATE_SETTERS } from '../builtins';
import type { DataflowCheck, DataflowView, ReportDiagnostic } from '../dataflowCheck';
import type { StepState } from '../dataflowState';
import { cellEnd, notebookPosition } from '../positions';
import { latestBindingBefore } from '../stepCode';
import type { DeclarationRef, ModuleBinding, NameSite, StateCall } from '../types';

/** A call that sets a package's random state, in a step. */
interface StateSetting {
  step: string;
  cell: number;
  line: number;
  /** The call as written, e.g. `np.random.seed`. */
  call: string;
}

export class ModuleState implements DataflowCheck {
  /** By package: the latest step above that sets its random state. */
  private readonly setters = new Map<string, StateSetting>();

  constructor(
    private readonly view: DataflowView,
    private readonly report: ReportDiagnostic
  ) {}

  stepConnected(state: StepState): void {
    const own = this.stateSettings(state);
    for (const [pkg, setting] of this.setters) {
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
      this.setters.set(pkg, setting);
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
      for (const call of this.view.input.facts[cell]?.stateCalls ?? []) {
        add(call, cell, notebookPosition(cell, call.offset));
      }
    }
    for (const ref of [...state.injected.values(), ...state.expanded.values()]) {
      for (const call of this.view.declaration(ref).stateCalls) {
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
    const source = this.view.source(name);
    return source?.kind === 'declaration' ? (this.importBinding(source.ref, name)?.module ?? null) : null;
  }

  private importBinding(ref: DeclarationRef, name: string): ModuleBinding | undefined {
    return this.view.input.facts[ref.cell]?.bindings.find(b => b.name === name && b.declaration === ref.index);
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
      for (const name of this.view.declaration(ref).names) {
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
}
