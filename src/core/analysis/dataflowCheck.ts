/**
 * The interface between the dataflow builder (dataflow.ts) and the checks that report what would
 * make a pipeline run differ from Run All (checks/). The builder fires the hooks as it walks the
 * steps in notebook order; a check reads the dataflow so far through DataflowView and reports.
 */
import type { Diagnostic } from '../notebook';
import type { DataflowInput, DataSource, Source, StepState } from './dataflowState';
import type { PlacedSite } from './stepCode';
import type { Declaration, DeclarationRef, NameSite } from './types';

/** Reports a diagnostic on a cell (null: the notebook), at a line and column if given. */
export type ReportDiagnostic = (
  severity: Diagnostic['severity'],
  code: string,
  message: string,
  cell: number | null,
  site?: { line: number; column: number }
) => void;

/** The dataflow as far as the builder has got. */
export interface DataflowView {
  readonly input: DataflowInput;
  /** Where the value of `name` comes from at this point of the notebook. */
  source(name: string): Source | undefined;
  declaration(ref: DeclarationRef): Declaration;
  /** A cell above may define names cellpipe cannot see (import *, %run, exec). */
  readonly unknownNamesAbove: boolean;
}

/** Hooks a check may implement; all optional. */
export interface DataflowCheck {
  /** A load in a step's own code that nothing above defines (`deletedBy`: the step that deleted it). */
  nameUndefined?(name: string, site: PlacedSite, deletedBy: string | null): void;
  /** `name` became an output of `source.step`: a later step loads it from there. */
  outputAdded?(name: string, source: DataSource): void;
  /** A step's inputs are connected; the names it binds are not yet sources (view.source is as before it). */
  stepConnected?(state: StepState): void;
  /** A metrics cell names a value no step computes above it. */
  metricUnknown?(name: string, cell: number, site: NameSite): void;
  /** Every step was visited and the `prev:` edges to existing steps added. */
  dataflowBuilt?(states: ReadonlyMap<string, StepState>): void;
}

/** Every hook name, for dispatch (hookListeners.ts). */
export const DATAFLOW_CHECK_HOOKS: Readonly<Record<keyof DataflowCheck, true>> = {
  nameUndefined: true,
  outputAdded: true,
  stepConnected: true,
  metricUnknown: true,
  dataflowBuilt: true
};
