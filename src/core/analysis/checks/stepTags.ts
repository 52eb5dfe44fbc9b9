/**
 * `workers-foreach`, `serve-name`: the tags that say how a whole step runs (`workers:`, `serve:`;
 * docs/distributed-and-serving.md), checked against what the step's code does once its dataflow is
 * known: a served model and its sample must be values the step has at its end.
 */
import { diagnostic, type Diagnostic, type NotebookPlan } from '../../notebook';
import type { StepAnalysis } from '../types';

export function stepTagDiagnostics(plan: NotebookPlan, steps: readonly StepAnalysis[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const step of plan.steps) {
    const analysis = steps.find(s => s.name === step.name);
    if (step.workers && step.foreach) {
      diagnostics.push(
        diagnostic(
          'error',
          'workers-foreach',
          `Step ${JSON.stringify(step.name)} is tagged both workers:${step.workers.count} and foreach:${step.foreach.over}; a step either runs its items apart or runs as several workers. Keep one of the tags.`,
          step.workers.cell
        )
      );
    }
    if (step.serve && analysis) {
      const has = new Set([...analysis.writes, ...analysis.mutates, ...analysis.inputs]);
      for (const [role, name] of [
        ['model', step.serve.model],
        ['sample', step.serve.sample]
      ] as const) {
        if (name !== null && !has.has(name)) {
          diagnostics.push(
            diagnostic(
              'error',
              'serve-name',
              `Tag serve:${step.serve.model}${step.serve.sample ? `:${step.serve.sample}` : ''} names the ${role} ${JSON.stringify(name)}, which step ${JSON.stringify(step.name)} neither makes nor loads. Name a variable the step has at its end.`,
              step.serve.cell
            )
          );
        }
      }
    }
  }
  return diagnostics;
}
