/**
 * What the dataflow builder (dataflow.ts) works with, shared with the checks that plug into it
 * (dataflowCheck.ts): where each name's value comes from, and each step's state while its
 * dataflow is worked out.
 */
import type { NotebookPlan, Step } from '../notebook';
import type { PlacedSite, StepCode } from './stepCode';
import type { CellFacts, DeclarationRef, ModuleBinding, Parameter, StepAnalysis } from './types';

export interface DataflowInput {
  plan: NotebookPlan;
  /** Facts by cell index; null for cells that are not analysed. */
  facts: readonly (CellFacts | null)[];
  parameters: readonly Parameter[];
  /** Source of each cell by index (checks that read a cell's syntax: checks/fanOutSteps.ts). */
  sources: readonly string[];
}

/** Where the value a name has at some point of the notebook comes from. */
export type Source =
  { kind: 'parameter' } | { kind: 'declaration'; step: string | null; ref: DeclarationRef } | DataSource | { kind: 'deleted'; step: string };

/** A value a step computes (`binding` null: a `global` write by a function the step runs). */
export interface DataSource {
  kind: 'data';
  step: string;
  cell: number;
  binding: ModuleBinding | null;
}

/** The state of one step while its dataflow is worked out. */
export class StepState {
  readonly analysis: StepAnalysis;
  readonly inputs = new Map<string, PlacedSite | null>();
  readonly parameters = new Set<string>();
  readonly injected = new Map<string, DeclarationRef>();
  /** The step's own declarations its code uses. */
  readonly expanded = new Map<string, DeclarationRef>();
  /** Names its code or the functions it uses may change in place (or rebind through `global`). */
  readonly changed = new Set<string>();
  /**
   * Names the step may change or rebind, but not for sure (a `for` target, a branch), with the
   * source of the value they keep when it does not happen. The step loads that value only once a
   * later step reads the name from it (dataflow.ts, keepOldValue and connect).
   */
  readonly passOn = new Map<string, DataSource>();
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
      results: [],
      parameters: [],
      declarations: [],
      injected: [],
      metrics: [],
      replayed: [],
      randomInputs: {},
      randomOutputs: []
    };
  }
}
