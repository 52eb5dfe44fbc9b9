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
 * Saves the outputs of the ended steps whose document is not the one saved last (`saved`: step id
 * -> text, kept by the caller while it follows a run; empty for a run read again, which saves every
 * ended step's); returns the steps saved, with the cells each document holds. The text is compared,
 * not the step's status: an Argo before 3.6.11 / 3.7.2 may mark a pod node Succeeded before it has
 * copied the node's output parameters in (argo-workflows#14497), and the document then comes with a
 * later update of the Workflow.
 */
export function saveEndedStepsOutputs(
  store: RunStore,
  workflow: ArgoWorkflow,
  state: RunState,
  saved: Map<string, string> = new Map()
): Array<{ stepId: string; cells: number[] }> {
  const changed: Array<{ stepId: string; cells: number[] }> = [];
  for (const step of state.steps) {
    const text = ENDED.has(step.status) ? cellOutputsText(workflow, step.id) : undefined;
    const document = text === undefined || saved.get(step.id) === text ? undefined : readStepCellOutputs(text);
    if (document) {
      store.saveCellOutputs(state.runId, step.id, text!);
      saved.set(step.id, text!);
      changed.push({ stepId: step.id, cells: document.cells.map(record => record.cell) });
    }
  }
  return changed;
}
