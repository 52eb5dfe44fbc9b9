import type { ArgoApi } from './argoApi';
import { NODE_ID_ANNOTATION, type ArgoNode } from './argoWorkflow';
import { KubernetesApiError } from './kubernetesErrors';

/**
 * The `main` container logs of a step's pods, one per attempt (older attempts under a header). A
 * pod is found by the workflow label and its node-id annotation, which holds across Argo's pod
 * name formats. A container that has not started answers 400: that is an empty log, not an error.
 */
export async function readStepLogs(api: Pick<ArgoApi, 'listPods' | 'readLog'>, workflowName: string, attempts: ArgoNode[]): Promise<string> {
  if (!attempts.length) {
    return '';
  }
  const pods = new Map<string, string>();
  for (const pod of await api.listPods(workflowName)) {
    const nodeId = pod.metadata?.annotations?.[NODE_ID_ANNOTATION];
    if (nodeId && pod.metadata?.name) {
      pods.set(nodeId, pod.metadata.name);
    }
  }
  const parts: string[] = [];
  for (const [index, node] of attempts.entries()) {
    const header = attempts.length > 1 ? `--- attempt ${index + 1} of ${attempts.length} (${node.phase}) ---\n` : '';
    const pod = pods.get(node.id);
    parts.push(header + (pod ? await podLog(api, pod) : `(no pod for ${node.displayName}: it was not created or was deleted)\n`));
  }
  return parts.join('');
}

async function podLog(api: Pick<ArgoApi, 'readLog'>, pod: string): Promise<string> {
  try {
    const text = await api.readLog(pod);
    return !text || text.endsWith('\n') ? text ?? '' : text + '\n';
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
