/**
 * `split-step-order`: cells of one step may be apart, but the step runs where its first cell is.
 * That reorders code: reported where a later cell of the step uses a name that a cell of another
 * step in between changes.
 */
import type { DataflowCheck, DataflowView, ReportDiagnostic } from '../dataflowCheck';
import type { StepState } from '../dataflowState';
import type { CellFacts } from '../types';
import { cellNumber } from '../../notebook';

export class SplitSteps implements DataflowCheck {
  constructor(
    private readonly view: DataflowView,
    private readonly report: ReportDiagnostic
  ) {}

  stepConnected(state: StepState): void {
    const cells = state.step.cells;
    const first = cells[0];
    if (cells.length < 2 || cells[cells.length - 1] - first === cells.length - 1) {
      return;
    }
    const { plan, facts } = this.view.input;
    for (const later of cells.slice(1)) {
      const reported = new Set<string>();
      for (const use of facts[later]?.uses ?? []) {
        for (let cell = first + 1; cell < later && !reported.has(use.name); cell++) {
          const planned = plan.cells[cell];
          const cellFacts = facts[cell];
          if (planned.role === 'step' && planned.step !== state.step.name && cellFacts && changesName(cellFacts, use.name)) {
            reported.add(use.name);
            this.report(
              'error',
              'split-step-order',
              `Cell ${cellNumber(later)} belongs to step ${JSON.stringify(state.step.name)}, which runs where its first cell (${cellNumber(first)}) is, before cell ${cellNumber(cell)} (step ${JSON.stringify(planned.step)}) changes '${use.name}'. Run All would use the changed '${use.name}' here: give cell ${cellNumber(later)} its own step, or move it.`,
              later,
              use
            );
          }
        }
      }
    }
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
