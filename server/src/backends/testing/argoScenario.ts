import { RESULT_PARAMETER } from '../../../../src/core/run/stepResult';
import type { ArgoNode, ArgoPhase, ArgoWorkflow, ArgoWorkflowStatus } from '../kubernetes/argoWorkflow';

/** The result document the runtime of a succeeding step leaves (a step's `files` may give another). */
const RAN_TO_ITS_END = JSON.stringify({ status: 'Succeeded', metrics: {}, error: null });

/**
 * Realistic Argo status sequences for the fake Kubernetes API server, built from a Workflow's DAG:
 * the workflow goes '' -> Running, then each task in DAG order goes Pending -> Running -> done
 * (a `Pod` node, or a `Retry` node with `task(0)`, `task(1)`, ... `Pod` children when it has more
 * than one attempt); after a task fails for good, the tasks that depend on it are `Omitted` and the
 * workflow fails. Times are fixed, so the sequences are the same on every run.
 */

export type AttemptOutcome = 'Succeeded' | 'Failed';

export interface ScenarioFrame {
  status: ArgoWorkflowStatus;
}

export interface Scenario {
  frames: ScenarioFrame[];
  /** The `main` container log of each pod node, by node id. */
  logs: Record<string, string>;
  /**
   * How a running pod writes its log: all of it as it starts (default), or one line per tick of
   * the fake server while it runs (the rest when it finishes).
   */
  logArrival?: 'whole' | 'lines';
}

interface DagTask {
  name: string;
  template?: string;
  dependencies?: string[];
  depends?: string;
}

/** The tasks of the entrypoint DAG of a Workflow, in the order they are listed. */
export function dagTasks(workflow: ArgoWorkflow): DagTask[] {
  const spec = workflow.spec as { entrypoint?: string; templates?: Array<{ name: string; dag?: { tasks: DagTask[] } }> };
  const templates = spec.templates ?? [];
  const entry = templates.find(t => t.name === spec.entrypoint && t.dag) ?? templates.find(t => t.dag);
  return entry?.dag?.tasks ?? [];
}

function upstream(task: DagTask): string[] {
  if (task.dependencies) {
    return task.dependencies;
  }
  return task.depends
    ? [...task.depends.matchAll(/[a-z0-9][-a-z0-9]*/g)].map(m => m[0]).filter(n => !/^(succeeded|failed|errored|skipped|omitted|daemoned)$/i.test(n))
    : [];
}

const BASE_TIME = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (tick: number): string => new Date(BASE_TIME + tick * 1000).toISOString().replace('.000Z', 'Z');

/** A node id the way Argo makes them: the workflow name and a number derived from the node name. */
function nodeId(workflowName: string, nodeName: string): string {
  let hash = 2166136261;
  for (const ch of nodeName) {
    hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619) >>> 0;
  }
  return `${workflowName}-${hash}`;
}

/** The output parameters a task's template declares, by name, with the file Argo reads each from. */
type OutputParameter = { name: string; valueFrom: { path: string; default?: string } };

function declaredOutputs(workflow: ArgoWorkflow, templateName: string): OutputParameter[] {
  const spec = workflow.spec as { templates?: Array<{ name: string; outputs?: { parameters?: OutputParameter[] } }> };
  return spec.templates?.find(t => t.name === templateName)?.outputs?.parameters ?? [];
}

/**
 * The sequence for a workflow whose tasks have the given attempt outcomes (default: one success).
 * A task listed with more than one outcome (or `retried`) gets a `Retry` node. A finished pod's
 * output parameters hold what its files would: `files[task][parameter]` when given (the step's
 * runtime writes them on the volume), else the parameter's `default`, as Argo does for a missing file.
 */
export function argoScenario(
  workflow: ArgoWorkflow,
  outcomes: Record<string, AttemptOutcome[]> = {},
  files: Record<string, Record<string, string>> = {}
): Scenario {
  const wf = workflow.metadata.name!;
  const nodes: Record<string, ArgoNode> = {};
  const frames: ScenarioFrame[] = [];
  const logs: Record<string, string> = {};
  let tick = 0;
  const root: ArgoNode = { id: wf, name: wf, displayName: wf, type: 'DAG', templateName: 'main', phase: 'Running', startedAt: at(0), children: [] };
  const snapshot = (phase: ArgoPhase, extra: Partial<ArgoWorkflowStatus> = {}): void => {
    frames.push({ status: { phase, startedAt: at(0), finishedAt: null, ...extra, nodes: structuredClone(nodes) } });
  };
  const setNode = (node: ArgoNode): ArgoNode => (nodes[node.id] = node);

  frames.push({ status: { phase: 'Pending' as ArgoPhase, nodes: {} } });
  setNode(root);
  snapshot('Running');

  const failed = new Set<string>();
  let failure: string | undefined;
  for (const task of dagTasks(workflow)) {
    const id = nodeId(wf, `${wf}.${task.name}`);
    root.children!.push(id);
    if (upstream(task).some(u => failed.has(u))) {
      failed.add(task.name);
      setNode({
        id,
        name: `${wf}.${task.name}`,
        displayName: task.name,
        type: 'Skipped',
        templateName: task.template ?? task.name,
        phase: 'Omitted',
        boundaryID: wf,
        message: 'omitted: depends condition not met',
        startedAt: at(tick),
        finishedAt: at(tick)
      });
      snapshot('Running');
      continue;
    }
    const attempts = outcomes[task.name] ?? ['Succeeded'];
    const retried = attempts.length > 1;
    const owner: ArgoNode = setNode({
      id,
      name: `${wf}.${task.name}`,
      displayName: task.name,
      type: retried ? 'Retry' : 'Pod',
      templateName: task.template ?? task.name,
      phase: 'Pending',
      boundaryID: wf,
      startedAt: at(++tick),
      children: []
    });
    for (const [attempt, outcome] of attempts.entries()) {
      const pod = retried
        ? setNode({
            id: nodeId(wf, `${wf}.${task.name}(${attempt})`),
            name: `${wf}.${task.name}(${attempt})`,
            displayName: `${task.name}(${attempt})`,
            type: 'Pod',
            templateName: owner.templateName,
            phase: 'Pending',
            boundaryID: wf,
            startedAt: at(tick)
          })
        : owner;
      if (retried) {
        owner.children!.push(pod.id);
        owner.phase = 'Running';
      }
      snapshot('Running');
      pod.phase = 'Running';
      owner.phase = 'Running';
      snapshot('Running');
      logs[pod.id] =
        `${task.name}: attempt ${attempt + 1}\n${outcome === 'Succeeded' ? `${task.name}: done\n` : `Traceback (most recent call last):\nValueError: ${task.name} broke\n`}`;
      pod.phase = outcome;
      pod.finishedAt = at(++tick);
      const parameters = declaredOutputs(workflow, pod.templateName!).map(p => ({
        name: p.name,
        value: files[task.name]?.[p.name] ?? (p.name === RESULT_PARAMETER && outcome === 'Succeeded' ? RAN_TO_ITS_END : (p.valueFrom.default ?? '')),
        valueFrom: p.valueFrom
      }));
      pod.outputs = { exitCode: outcome === 'Succeeded' ? '0' : '1', ...(parameters.length ? { parameters } : {}) };
      pod.message = outcome === 'Succeeded' ? undefined : 'Error (exit code 1)';
      if (retried && outcome === 'Failed' && attempt < attempts.length - 1) {
        snapshot('Running');
      }
    }
    const last = attempts[attempts.length - 1];
    if (retried) {
      owner.outputs = structuredClone(owner.children!.map(c => nodes[c]).pop()!.outputs); // Argo copies the last attempt's
    }
    Object.assign(owner, {
      phase: last,
      finishedAt: at(tick),
      message: last === 'Failed' ? (retried ? 'No more retries left' : 'Error (exit code 1)') : undefined
    });
    if (last === 'Failed') {
      failed.add(task.name);
      failure ??= task.name;
    }
    snapshot('Running');
  }
  root.phase = failure ? 'Failed' : 'Succeeded';
  root.finishedAt = at(++tick);
  snapshot(root.phase, { finishedAt: at(tick), ...(failure ? { message: `child '${nodeId(wf, `${wf}.${failure}`)}' failed` } : {}) });
  return { frames, logs };
}

/** The status Argo reaches after `spec.shutdown: Terminate`: unfinished nodes and the workflow fail. */
export function terminatedStatus(status: ArgoWorkflowStatus, tick = 99): ArgoWorkflowStatus {
  const nodes = structuredClone(status.nodes ?? {});
  for (const node of Object.values(nodes)) {
    if (node.phase === 'Pending' || node.phase === 'Running') {
      Object.assign(node, { phase: 'Failed', finishedAt: at(tick), message: 'workflow shutdown with strategy:  Terminate' });
    }
  }
  return { ...status, phase: 'Failed', finishedAt: at(tick), message: "Stopped with strategy 'Terminate'", nodes };
}
