/**
 * Process state across steps (DESIGN.md, "Notebook semantics"; the kinds are in processState.ts).
 * Run All keeps what a cell sets on the process for every cell below it; a step is a new process.
 * The dataflow builder calls this for each step, in notebook order, once the step's own needs are
 * known and before its inputs are connected:
 *
 * - Configuration: a top-level statement of an earlier step that sets configuration is replayed at
 *   the start of the step when the state may affect it (any step for `process` state; else a step
 *   whose code uses a package of the state's family, or that loads a value from a step that does).
 *   What the statement uses is needed like any other use (an import is injected, a value loaded).
 * - Random generators: once the notebook seeds one, the steps that may draw from it (same rule,
 *   by the generator's family) form a chain in notebook order: each starts from the state the one
 *   before it left, saved by the runtime. That adds edges, which costs parallelism: the seeding
 *   cell says so, with the way to avoid it (processState.ts, GENERATOR_ADVICE).
 * - What cannot be carried gets a warning on its cell: configuration set inside other code (an
 *   `if`, a loop, an expression), and tensorflow's global seed (not restorable in another process).
 */
import { cellNumber, type Step } from '../notebook';
import type { DataflowView, ReportDiagnostic } from './dataflowCheck';
import type { StepState } from './dataflowState';
import {
  CARRIED_GENERATORS,
  DIRECT_FAMILIES,
  FAMILY_PACKAGES,
  GENERATOR_ADVICE,
  GENERATOR_FAMILY,
  stateEffect,
  topPackage,
  type RandomGenerator,
  type StateFamily
} from './processState';
import { notebookPosition } from './positions';
import { latestBindingBefore } from './stepCode';
import type { DeclarationRef, StateSite, StateSiteRef } from './types';

/** Needs `name`'s value in `state` at `position` (the builder's own rule; see dataflow.ts). */
export type NeedName = (state: StepState, name: string, position: number) => void;

/** A configuration statement later steps replay. */
interface Replay {
  ref: StateSiteRef;
  site: StateSite;
  family: StateFamily;
  /** The step whose statement it is. */
  from: string;
  /** Steps that replay it. */
  steps: string[];
}

/** A seeded generator: where, and the chain of steps its state goes through. */
interface SeededGenerator {
  generator: RandomGenerator;
  cell: number;
  site: StateSite;
  /** The step that last left the state (null: only the prelude seeded it, every step starts seeded). */
  writer: string | null;
  chain: string[];
  /** Edges the chain adds to the dataflow's (writer -> reader). */
  edges: [string, string][];
  /** A generator that cannot be carried was reported on the first step that may draw from it. */
  warned?: boolean;
}

/** A site's path as the user wrote it, arguments and keys elided: `np.random.seed(...)`, `os.environ[...]`. */
const written = (site: StateSite): string => site.path.replace(/\(\)/g, '(...)').replace(/\[\]/g, '[...]') + (site.kind === 'call' ? '(...)' : '');

const describe = (names: readonly string[]): string => names.map(name => JSON.stringify(name)).join(', ');

export class ProcessStateFlow {
  private readonly replays: Replay[] = [];
  private readonly seeded = new Map<RandomGenerator, SeededGenerator>();
  /** Top-level packages each visited step uses, itself or through the values it loads. */
  private readonly packages = new Map<string, Set<string>>();
  private readonly states = new Map<string, StepState>();

  constructor(
    private readonly view: DataflowView,
    private readonly need: NeedName,
    private readonly report: ReportDiagnostic
  ) {}

  /** Seeds in prelude cells (`imports`, `functions`) run at the start of every step. */
  preludeVisited(cells: readonly number[]): void {
    for (const cell of cells) {
      for (const declaration of this.view.input.facts[cell]?.declarations ?? []) {
        for (const site of declaration.stateSites) {
          if (site.statement) {
            this.seedInPrelude(site, cell);
          }
        }
      }
    }
  }

  /** The step's own needs are known; called before its inputs are connected. */
  stepVisited(state: StepState, start: number): void {
    const step = state.step;
    this.states.set(step.name, state);
    const own = this.packagesNamed(state);
    const packages = this.packagesLoaded(state, own);
    this.packages.set(step.name, packages);
    const affects = (family: StateFamily): boolean =>
      family === 'process' || FAMILY_PACKAGES[family].some(pkg => (DIRECT_FAMILIES.has(family) ? own : packages).has(pkg));

    for (const replay of this.replays) {
      if (affects(replay.family)) {
        replay.steps.push(step.name);
        state.analysis.replayed.push(replay.ref);
        replay.site.statement!.uses.forEach(name => this.need(state, name, start));
        if (replay.family === 'process') {
          // Process-wide state may rest on what its step did to the machine (`os.chdir("out")`
          // after `os.makedirs("out")`): the replaying step runs after it, as under Run All.
          state.dependsOn.add(replay.from);
        }
      }
    }
    const seeds = this.ownSeeds(state);
    for (const seeded of this.seeded.values()) {
      if (!seeds.has(seeded.generator) && affects(GENERATOR_FAMILY[seeded.generator])) {
        this.draw(state, seeded);
      }
    }
    for (const [generator, { site, cell }] of seeds) {
      this.seeded.set(generator, { generator, cell, site, writer: step.name, chain: [step.name], edges: [] });
    }
    this.collectReplays(state);
  }

  /**
   * Every step was visited: what each rule did, on the cells that set the state. `dataDependsOn`:
   * a step's dependencies by data and `prev:` tags, without those of random states.
   */
  dataflowBuilt(dataDependsOn: (step: string) => readonly string[]): void {
    this.reportChains(dataDependsOn);
    for (const replay of this.replays) {
      if (replay.steps.length > 0) {
        this.report(
          'info',
          'state-replayed',
          `This statement sets process state, which Run All keeps for the cells below: cellpipe runs it again at the start of ${replay.steps.length === 1 ? 'the step' : `the ${replay.steps.length} steps`} after it that it may affect (${describe(replay.steps)}).`,
          replay.ref.cell,
          replay.site
        );
      }
    }
  }

  /** The step may draw from a seeded generator: it starts from the state the previous one left. */
  private draw(state: StepState, seeded: SeededGenerator): void {
    const name = state.step.name;
    if (!CARRIED_GENERATORS.has(seeded.generator)) {
      if (seeded.warned) {
        return;
      }
      seeded.warned = true;
      this.report(
        'warning',
        'state-not-carried',
        `Step ${JSON.stringify(name)} may draw from ${seeded.generator}'s global random state, which step ${JSON.stringify(seeded.chain[0])} seeds with ${written(seeded.site)} (cell ${cellNumber(seeded.cell)}, line ${seeded.site.line}). That state cannot be carried to another process: this step's random numbers differ from Run All's. To make them reproducible, ${GENERATOR_ADVICE[seeded.generator]}, or seed in the step that draws.`,
        state.step.cells[0] ?? null
      );
      return;
    }
    if (seeded.writer !== null) {
      state.analysis.randomInputs[seeded.generator] = seeded.writer;
      state.dependsOn.add(seeded.writer);
      seeded.edges.push([seeded.writer, name]);
      const writer = this.states.get(seeded.writer)!.analysis;
      if (!writer.randomOutputs.includes(seeded.generator)) {
        writer.randomOutputs.push(seeded.generator);
      }
    }
    seeded.writer = name;
    seeded.chain.push(name);
  }

  /** Each carried chain, with how many of its edges only the generator's state adds. */
  private reportChains(dataDependsOn: (step: string) => readonly string[]): void {
    for (const seeded of this.seeded.values()) {
      if (!CARRIED_GENERATORS.has(seeded.generator) || seeded.chain.length < 2) {
        continue;
      }
      const added = seeded.edges.filter(([writer, reader]) => !reaches(reader, writer, dataDependsOn)).length;
      const cost =
        added === 0
          ? 'The data already orders them, so this costs no parallelism.'
          : `${added} of these orderings come from the random state alone, so those steps no longer run in parallel. To keep them parallel, ${GENERATOR_ADVICE[seeded.generator]}.`;
      this.report(
        'info',
        'random-state-carried',
        `${written(seeded.site)} seeds ${seeded.generator}'s global random state. As in Run All, the steps after it that may draw from it start where the previous one left it: ${seeded.chain.map(step => JSON.stringify(step)).join(' -> ')}. ${cost}`,
        seeded.cell,
        seeded.site
      );
    }
  }

  /** Generators the step seeds: its own code (anywhere in it), or a function of the notebook it runs. */
  private ownSeeds(state: StepState): Map<RandomGenerator, { site: StateSite; cell: number }> {
    const seeds = new Map<RandomGenerator, { site: StateSite; cell: number }>();
    const add = (site: StateSite, cell: number, path: string | null): void => {
      const effect = path === null ? null : stateEffect(path, site.kind);
      if (effect?.kind === 'seed') {
        effect.generators.forEach(generator => seeds.has(generator) || seeds.set(generator, { site, cell }));
      }
    };
    for (const cell of state.step.cells) {
      for (const site of this.view.input.facts[cell]?.stateSites ?? []) {
        add(site, cell, this.modulePath(site, cell, state));
      }
    }
    // Functions it runs; a top-level seed of a prelude cell runs in every step, seeding none of them.
    for (const ref of [...state.injected.values(), ...state.expanded.values()]) {
      for (const site of this.view.declaration(ref).stateSites) {
        if (site.statement === null) {
          add(site, ref.cell, this.modulePath(site, ref.cell, null));
        }
      }
    }
    return seeds;
  }

  /** A seed in the prelude runs in every step: the first that draws starts from it, the next from that one. */
  private seedInPrelude(site: StateSite, cell: number): void {
    const path = this.modulePath(site, cell, null);
    const effect = path === null ? null : stateEffect(path, site.kind);
    if (effect?.kind === 'seed') {
      effect.generators.forEach(generator => this.seeded.set(generator, { generator, cell, site, writer: null, chain: [], edges: [] }));
    }
  }

  /** The step's configuration statements become replays for the steps after it. */
  private collectReplays(state: StepState): void {
    const later = this.stepsAfter(state.step);
    for (const cell of state.step.cells) {
      (this.view.input.facts[cell]?.stateSites ?? []).forEach((site, index) => {
        const path = this.modulePath(site, cell, state);
        const effect = path === null ? null : stateEffect(path, site.kind);
        if (effect?.kind !== 'configuration') {
          return;
        }
        if (site.statement) {
          this.replays.push({ ref: { cell, index }, site, family: effect.family, from: state.step.name, steps: [] });
        } else if (later) {
          this.report(
            'warning',
            'state-not-carried',
            `${written(site)} sets process state inside other code, so the steps after this one cannot replay it and start without it, unlike Run All. Set it in a statement of its own at the top level of the cell, or in an \`imports\` cell.`,
            cell,
            site
          );
        }
      });
    }
  }

  private stepsAfter(step: Step): boolean {
    const steps = this.view.input.plan.steps;
    return steps.findIndex(s => s.name === step.name) < steps.length - 1;
  }

  /**
   * The site's path from the module its first name is imported as (`np.random.seed` ->
   * `numpy.random.seed`); null when that name is not a module there. `state` null: a site of a
   * declaration or prelude cell, whose names are resolved in its own cell, else as they are now.
   */
  private modulePath(site: StateSite, cell: number, state: StepState | null): string | null {
    let module: string | null | undefined;
    if (state) {
      const own = latestBindingBefore(state.code, site.name, notebookPosition(cell, site.offset));
      if (own) {
        module = own.binding.module;
      }
    } else {
      module = this.view.input.facts[cell]?.bindings.find(b => b.name === site.name && b.module !== null)?.module;
    }
    if (module === undefined) {
      const source = this.view.source(site.name);
      module = source?.kind === 'declaration' ? this.importedModule(source.ref, site.name) : null;
    }
    return module ? module + site.path.slice(site.name.length) : null;
  }

  private importedModule(ref: DeclarationRef, name: string): string | null {
    return this.view.input.facts[ref.cell]?.bindings.find(b => b.name === name && b.declaration === ref.index)?.module ?? null;
  }

  /** Top-level packages the step's code uses: its imports and those of the declarations it runs. */
  private packagesNamed(state: StepState): Set<string> {
    const packages = new Set<string>();
    for (const bindings of state.code.bindings.values()) {
      bindings.forEach(({ binding }) => binding.module && !binding.module.startsWith('.') && packages.add(topPackage(binding.module)));
    }
    for (const ref of [...state.injected.values()]) {
      for (const binding of this.view.input.facts[ref.cell]?.bindings ?? []) {
        if (binding.declaration === ref.index && binding.module && !binding.module.startsWith('.')) {
          packages.add(topPackage(binding.module));
        }
      }
    }
    return packages;
  }

  /** `own`, with the packages of the steps its inputs come from (their values may be those packages' objects). */
  private packagesLoaded(state: StepState, own: ReadonlySet<string>): Set<string> {
    const packages = new Set(own);
    for (const name of state.inputs.keys()) {
      const source = this.view.source(name);
      if (source?.kind === 'data') {
        this.packages.get(source.step)?.forEach(pkg => packages.add(pkg));
      }
    }
    return packages;
  }
}

/** Whether `from` depends on `to`, directly or not. */
function reaches(from: string, to: string, dependsOn: (step: string) => readonly string[]): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    for (const dep of dependsOn(stack.pop()!)) {
      if (dep === to) {
        return true;
      }
      if (!seen.has(dep)) {
        seen.add(dep);
        stack.push(dep);
      }
    }
  }
  return false;
}
