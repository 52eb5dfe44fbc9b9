import type { ArgoApi } from './argoApi';
import { NODE_ID_ANNOTATION, type ArgoNode } from './argoWorkflow';
import { KubernetesApiError } from './kubernetesErrors';

/**
 * The `main` container logs of a step's pods, one per attempt (older attempts under a header). A
 * pod is found by the workflow label and its node-id annotation, which holds across Argo's pod
 * name formats. A container that has not started answers 400: that is an empty log, not an error.
 */
export async function readStepLogs(api: Pick<ArgoApi, 'listPods' | 'readLog'>, workflowName: string, attempts: ArgoNode[]): Promise<string> {
  return formatStepLog(attempts, await readAttemptLogs(api, workflowName, attempts));
}

/** The log of each attempt, in the order given (what `formatStepLog` puts under the headers). */
export async function readAttemptLogs(api: Pick<ArgoApi, 'listPods' | 'readLog'>, workflowName: string, attempts: ArgoNode[]): Promise<string[]> {
  if (!attempts.length) {
    return [];
  }
  const pods = new Map<string, string>();
  for (const pod of await api.listPods(workflowName)) {
    const nodeId = pod.metadata?.annotations?.[NODE_ID_ANNOTATION];
    if (nodeId && pod.metadata?.name) {
      pods.set(nodeId, pod.metadata.name);
    }
  }
  const logs: string[] = [];
  for (const node of attempts) {
    const pod = pods.get(node.id);
    logs.push(pod ? await podLog(api, pod) : `(no pod for ${node.displayName}: it was not created or was deleted)\n`);
  }
  return logs;
}

/** The line above attempt `index` (from 0) of `total`, when a step has more than one. */
export function attemptHeader(index: number, total: number, phase: string): string {
  return `--- attempt ${index + 1} of ${total} (${phase}) ---\n`;
}

/** A step's log as a whole: the attempts' logs, each under a header when there are several. */
export function formatStepLog(attempts: ArgoNode[], logs: string[]): string {
  return attempts.map((node, i) => (attempts.length > 1 ? attemptHeader(i, attempts.length, node.phase) : '') + (logs[i] ?? '')).join('');
}

async function podLog(api: Pick<ArgoApi, 'readLog'>, pod: string): Promise<string> {
  try {
    const text = await api.readLog(pod);
    return !text || text.endsWith('\n') ? (text ?? '') : text + '\n';
  } catch (error) {
    const status = error instanceof KubernetesApiError ? error.status : undefined;
    if (status === 400) {
      return ''; // the container has not started yet
    }
    if (status === 404) {
      return `(pod ${pod} was deleted: its log is gone; keep failed pods with the workflow's podGC settings)\n`;
    }
    throw error;
  }
}
