import { failedItemMessage } from '../../../../src/core/run/failedItem';
import { readStepResult, RESULT_PARAMETER, STEP_RESULT_FILE } from '../../../../src/core/run/stepResult';
import type { InstanceState, RunStatus, ServedModelState, StepState, StepStatus } from '../../../../src/core/run/types';
import { SERVED_PARAMETER } from '../../../../src/core/compile/argo/launchers';
import { serveTaskName } from '../../../../src/core/compile/cluster/launcherScript';
import { ARGO_ITEMS_INPUT } from '../../../../src/core/compile/argo/fanOut';
import { itemsTaskName, itemTaskName } from '../../../../src/core/compile/cluster/fanOutNames';
import { workflowFinished, workflowNodes, type ArgoNode, type ArgoWorkflow } from './argoWorkflow';

/**
 * Maps an Argo Workflow's nodes to cellpipe step states. The compiled DAG names each task (and its
 * template) by the step id, so a step's node is the one whose `displayName` is the step id: a `Pod`
 * node, or a `Retry` node whose `Pod` children `<id>(0)`, `<id>(1)`, ... are its attempts, or a
 * `Skipped` node when a dependency failed.
 */

const STRUCTURAL = new Set(['DAG', 'Steps', 'StepGroup', 'TaskGroup']);

/** The node standing for a step, preferring the `Retry` node over its attempts. */
export function stepNode(nodes: Record<string, ArgoNode>, stepId: string): ArgoNode | undefined {
  const candidates = Object.values(nodes).filter(n => n.displayName === stepId && !STRUCTURAL.has(n.type));
  return candidates.find(n => n.type === 'Retry') ?? candidates[0];
}

/** The pod nodes of a step, one per attempt, oldest first. */
export function stepPodNodes(nodes: Record<string, ArgoNode>, stepId: string): ArgoNode[] {
  const node = stepNode(nodes, stepId);
  if (!node) {
    return [];
  }
  if (node.type === 'Pod') {
    return [node];
  }
  return (node.children ?? [])
    .map(id => nodes[id])
    .filter((n): n is ArgoNode => !!n && n.type === 'Pod')
    .sort((a, b) => attemptIndex(a) - attemptIndex(b));
}

function attemptIndex(node: ArgoNode): number {
  const match = /\((\d+)\)$/.exec(node.displayName);
  return match ? Number(match[1]) : 0;
}

function cancelled(workflow: ArgoWorkflow): boolean {
  return !!workflow.spec.shutdown;
}

function nodeStatus(node: ArgoNode, workflow: ArgoWorkflow): StepStatus {
  switch (node.phase) {
    case 'Running':
      return 'Running';
    case 'Succeeded':
      return node.memoizationStatus?.hit ? 'Cached' : 'Succeeded';
    case 'Failed':
    case 'Error':
      return cancelled(workflow) ? 'Cancelled' : 'Failed';
    case 'Skipped':
    case 'Omitted':
      return 'Skipped';
    default:
      return workflowFinished(workflow) ? (cancelled(workflow) ? 'Cancelled' : 'Failed') : 'Pending';
  }
}

/** The runtime's result document, from the step's output parameter (compiled by argo/compile.ts). */
function stepResult(node: ArgoNode): ReturnType<typeof readStepResult> {
  const parameters = node.outputs?.parameters;
  const value = Array.isArray(parameters) ? parameters.find(p => p?.name === RESULT_PARAMETER)?.value : undefined;
  return typeof value === 'string' ? readStepResult(value) : undefined;
}

function exitCode(pod: ArgoNode | undefined): number | undefined {
  const code = pod?.outputs?.exitCode;
  return code === undefined || code === '' || isNaN(Number(code)) ? undefined : Number(code);
}

/** Why a step whose pod ended with exit code 0 is not a success: its runtime never recorded its end. */
export function unfinishedStep(code: number | undefined): string {
  return (
    `the step's container exited${code === undefined ? '' : ` with code ${code}`} before the cellpipe runtime recorded the step's end ` +
    `(${STEP_RESULT_FILE}): the step's code ended the process early (os._exit, or a library exiting), or the image's python does not run Python scripts`
  );
}

/**
 * A fan-out step's items (compile/argo/fanOut.ts): the pod nodes of its item template, by item
 * index (`item(<index>:<item>)`), each with its status and, when it failed, the runtime's words;
 * as many as its list has (the items node records it).
 */
function itemStates(nodes: Record<string, ArgoNode>, stepId: string, workflow: ArgoWorkflow): InstanceState[] | undefined {
  const pods = Object.values(nodes).filter(n => n.type === 'Pod' && n.templateName === itemTaskName(stepId));
  const count = itemCount(nodes, stepId);
  if (!pods.length && count === undefined) {
    return undefined;
  }
  // Items with no node yet: waiting, or never to start once an item failed (failFast) or the run ended.
  const unstarted: StepStatus = workflowFinished(workflow) || pods.some(p => nodeStatus(p, workflow) === 'Failed') ? 'Skipped' : 'Pending';
  const instances: InstanceState[] = Array.from({ length: count ?? 0 }, () => ({ status: unstarted }));
  for (const pod of pods) {
    const index = Number(/\((\d+):/.exec(pod.displayName)?.[1]);
    const status = nodeStatus(pod, workflow);
    const failed = status === 'Failed' ? stepResult(pod)?.failure : undefined;
    instances[index] = {
      status,
      exitCode: exitCode(pod),
      ...(failed ? { message: failed.message, ...(failed.failure ? { failure: failed.failure } : {}) } : {})
    };
  }
  return Array.from(instances, instance => instance ?? { status: unstarted });
}

/**
 * A `serve:` step's served model (compile/argo/launchers.ts): what its `<id>--serve` task's
 * launcher wrote (SERVED_PARAMETER: name, URL, the answer), or why that task failed.
 */
function servedState(nodes: Record<string, ArgoNode>, stepId: string, workflow: ArgoWorkflow): ServedModelState | undefined {
  const node = Object.values(nodes).find(n => n.displayName === serveTaskName({ id: stepId }) && n.type === 'Pod');
  if (!node) {
    return undefined;
  }
  const status = nodeStatus(node, workflow);
  if (status === 'Failed' || status === 'Cancelled') {
    return { name: stepId, url: '', status: 'Failed', message: node.message || 'the serve task failed: see its pod' };
  }
  const value = node.outputs?.parameters?.find(p => p?.name === SERVED_PARAMETER)?.value;
  try {
    const served = typeof value === 'string' && value ? (JSON.parse(value) as { name?: unknown; url?: unknown }) : undefined;
    return typeof served?.name === 'string' && typeof served.url === 'string' ? { name: served.name, url: served.url, status: 'Ready' } : undefined;
  } catch {
    return undefined;
  }
}

/** The number of items of a fan-out step: the list its items' DAG node was given (Argo records node inputs). */
function itemCount(nodes: Record<string, ArgoNode>, stepId: string): number | undefined {
  const items = Object.values(nodes).find(n => n.displayName === itemsTaskName(stepId));
  const list = items?.inputs?.parameters?.find(p => p.name === ARGO_ITEMS_INPUT)?.value;
  try {
    const parsed = list === undefined ? undefined : (JSON.parse(list) as unknown);
    return Array.isArray(parsed) ? parsed.length : undefined;
  } catch {
    return undefined;
  }
}

/** The steps' states in a workflow, starting from `steps` (their ids, names and dependencies). */
export function argoStepStates(workflow: ArgoWorkflow, steps: StepState[]): StepState[] {
  const nodes = workflowNodes(workflow.status);
  return steps.map(step => {
    const withItems = (state: StepState): StepState => {
      const instances = itemStates(nodes, step.id, workflow);
      const served = servedState(nodes, step.id, workflow);
      return { ...state, ...(instances ? { instances } : {}), ...(served ? { served } : {}) };
    };
    const node = stepNode(nodes, step.id);
    const gatherRan = node && node.type !== 'Skipped' && node.phase !== 'Omitted';
    // The items' task is a DAG node (a structural type stepNode passes over).
    const items = gatherRan ? undefined : Object.values(nodes).find(n => n.displayName === itemsTaskName(step.id));
    if (items) {
      // A fan-out step whose items run (or failed): the gather, the step's own node, has not run.
      const status = nodeStatus(items, workflow);
      const state = withItems({ ...step, status: status === 'Succeeded' ? 'Running' : status, startedAt: items.startedAt || undefined });
      const first = state.instances?.findIndex(instance => instance.status === 'Failed') ?? -1;
      if (status === 'Failed' && first >= 0) {
        const instance = state.instances![first];
        return {
          ...state,
          finishedAt: items.finishedAt || undefined,
          message: failedItemMessage(first, state.instances!.length, instance.message ?? 'see its pod'),
          failure: instance.failure
        };
      }
      return state;
    }
    if (!node) {
      if (!workflowFinished(workflow)) {
        return { ...step, status: 'Pending' };
      }
      const status = cancelled(workflow) ? 'Cancelled' : 'Skipped';
      return { ...step, status, message: status === 'Cancelled' ? 'cancelled' : 'not run: a step it depends on did not succeed' };
    }
    const pods = stepPodNodes(nodes, step.id);
    const last = pods[pods.length - 1];
    const attempts = pods.filter(p => p.phase !== 'Pending').length;
    const result = stepResult(last ?? node);
    // A step runs once its first pod does; before that a Retry node already says Running.
    let status = node.type === 'Retry' && !attempts && node.phase === 'Running' ? 'Pending' : nodeStatus(node, workflow);
    let message = node.message || last?.message;
    if (status === 'Succeeded' && result?.status !== 'Succeeded') {
      // Argo counts exit code 0 as success; cellpipe counts the runtime's record of the step's end.
      status = 'Failed';
      message = unfinishedStep(exitCode(last));
    }
    const failed = status === 'Failed' ? result?.failure : undefined;
    const state: StepState = {
      ...step,
      status,
      cached: status === 'Cached',
      attempts,
      startedAt: node.startedAt || undefined,
      finishedAt: node.finishedAt || undefined,
      exitCode: exitCode(last),
      // the runtime's own words (and the cell and line that raised) over Argo's "exit code 1"
      message: status === 'Succeeded' || status === 'Cached' ? undefined : failed?.message || message || undefined,
      ...(failed?.failure ? { failure: failed.failure } : {}),
      ...(result?.metrics ? { metrics: result.metrics } : {})
    };
    return withItems(state);
  });
}

/**
 * The run's status and message from the workflow phase (a shut-down workflow counts as cancelled);
 * a workflow Argo calls succeeded fails when one of its steps did (`steps`: argoStepStates).
 */
export function argoRunStatus(workflow: ArgoWorkflow, steps: readonly StepState[] = []): { status: RunStatus; message?: string } {
  const message = workflow.status?.message || undefined;
  switch (workflow.status?.phase) {
    case 'Running':
      return { status: 'Running', message };
    case 'Succeeded': {
      const failed = steps.filter(s => s.status === 'Failed');
      return failed.length
        ? { status: 'Failed', message: failed.map(s => `step '${s.name}' failed: ${s.message}`).join('; ') }
        : { status: 'Succeeded' };
    }
    case 'Failed':
    case 'Error':
      return { status: cancelled(workflow) ? 'Cancelled' : 'Failed', message };
    default:
      return { status: 'Pending', message };
  }
}
