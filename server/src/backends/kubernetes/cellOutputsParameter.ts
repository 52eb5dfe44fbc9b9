import { CELL_OUTPUTS_PARAMETER } from '../../../../src/core/compile/runtime/contract';
import { readStepCellOutputs } from '../../../../src/core/run/cellOutputs';
import type { RunState, StepState } from '../../../../src/core/run/types';
import type { RunStore } from '../runStore';
import { workflowNodes, type ArgoWorkflow } from './argoWorkflow';
import { stepNode, stepPodNodes } from './stepStatus';

/**
 * What a step's cells showed, brought back from Argo: the step's CELL_OUTPUTS_PARAMETER output
 * (argo/compile.ts), which Argo keeps in the node's status once the pod ended, saved into the run
 * store where the service and `cellpipe outputs` read every backend's runs alike.
 */

const ENDED: ReadonlySet<StepState['status']> = new Set(['Succeeded', 'Failed', 'Cached']);

/** The document's text from the step's last attempt; undefined while it runs or when it wrote none. */
function cellOutputsText(workflow: ArgoWorkflow, stepId: string): string | undefined {
  const nodes = workflowNodes(workflow.status);
  const pods = stepPodNodes(nodes, stepId);
  const node = pods[pods.length - 1] ?? stepNode(nodes, stepId);
  const value = node?.outputs?.parameters?.find(p => p?.name === CELL_OUTPUTS_PARAMETER)?.value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Saves the outputs of the steps that have ended since `before` (every ended step when `before` is
 * undefined, for a run read again); returns the steps saved, with the cells each document holds.
 */
export function saveEndedStepsOutputs(
  store: RunStore,
  workflow: ArgoWorkflow,
  now: RunState,
  before?: RunState
): Array<{ stepId: string; cells: number[] }> {
  const saved: Array<{ stepId: string; cells: number[] }> = [];
  now.steps.forEach((step, i) => {
    if (!ENDED.has(step.status) || (before && ENDED.has(before.steps[i].status) && before.steps[i].attempts === step.attempts)) {
      return;
    }
    const text = cellOutputsText(workflow, step.id);
    const document = text === undefined ? undefined : readStepCellOutputs(text);
    if (document) {
      store.saveCellOutputs(now.runId, step.id, text!);
      saved.push({ stepId: step.id, cells: document.cells.map(record => record.cell) });
    }
  });
  return saved;
}
