/** `unknown-prev`, `prev-cycle`: a `prev:NAME` tag that names no step, or makes the DAG a cycle. */
import type { DataflowCheck, ReportDiagnostic } from '../dataflowCheck';
import type { StepState } from '../dataflowState';

export class PrevTags implements DataflowCheck {
  constructor(private readonly report: ReportDiagnostic) {}

  dataflowBuilt(states: ReadonlyMap<string, StepState>): void {
    for (const state of states.values()) {
      for (const prev of state.step.prev) {
        if (!states.has(prev.name)) {
          this.report('error', 'unknown-prev', `Tag prev:${prev.name} names no step of this notebook. Fix the name or remove the tag.`, prev.cell);
        }
      }
    }
    for (const state of states.values()) {
      for (const prev of state.step.prev) {
        if (states.has(prev.name) && dependsOnTransitively(states, prev.name, state.step.name)) {
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
}

/** Whether `from` depends on `on`, directly or through other steps (`from === on` counts). */
function dependsOnTransitively(states: ReadonlyMap<string, StepState>, from: string, on: string): boolean {
  const seen = new Set<string>([from]);
  const queue = [from];
  while (queue.length > 0) {
    const step = queue.pop()!;
    if (step === on) {
      return true;
    }
    for (const next of states.get(step)?.dependsOn ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}
