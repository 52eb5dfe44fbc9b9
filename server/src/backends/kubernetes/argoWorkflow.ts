import { gunzipSync } from 'node:zlib';

/**
 * The parts of an Argo `Workflow` (argoproj.io/v1alpha1) the kubernetes backend reads. The backend
 * takes the compiled Workflow as a plain object, so it does not care how it was built.
 */
export interface ArgoWorkflow {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  /** What the backend reads of the spec; the rest passes through as compiled. */
  spec: { entrypoint?: string; shutdown?: string; templates?: unknown[] };
  status?: ArgoWorkflowStatus;
}

export type ArgoPhase = '' | 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Skipped' | 'Omitted';

export interface ArgoWorkflowStatus {
  phase?: ArgoPhase;
  startedAt?: string | null;
  finishedAt?: string | null;
  message?: string;
  nodes?: Record<string, ArgoNode>;
  /** Set instead of `nodes` when they would make the object too large: base64 of gzipped JSON. */
  compressedNodes?: string;
}

export interface ArgoNode {
  id: string;
  /** `<workflow>.<task>`, `<workflow>.<task>(0)` for the attempts of a retried task. */
  name: string;
  displayName: string;
  type: 'Pod' | 'Retry' | 'DAG' | 'Steps' | 'StepGroup' | 'Skipped' | 'Suspend' | 'TaskGroup' | string;
  templateName?: string;
  phase: ArgoPhase;
  boundaryID?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  message?: string;
  children?: string[];
  /** The parameters the node's template was given (a fan-out step's items node: its list). */
  inputs?: { parameters?: Array<{ name: string; value?: string }> };
  outputs?: { exitCode?: string; parameters?: Array<{ name: string; value?: string }>; [key: string]: unknown };
  memoizationStatus?: { hit: boolean };
}

export const ARGO_GROUP = 'argoproj.io';
export const ARGO_VERSION = 'v1alpha1';
export const WORKFLOW_PLURAL = 'workflows';
/** Pod label naming the Workflow a pod belongs to, and pod annotation naming its node. */
export const WORKFLOW_LABEL = 'workflows.argoproj.io/workflow';
export const NODE_ID_ANNOTATION = 'workflows.argoproj.io/node-id';

/** The nodes of a workflow status, decoding `compressedNodes` when Argo offloaded them there. */
export function workflowNodes(status: ArgoWorkflowStatus | undefined): Record<string, ArgoNode> {
  if (!status) {
    return {};
  }
  if (status.nodes && Object.keys(status.nodes).length) {
    return status.nodes;
  }
  if (status.compressedNodes) {
    try {
      return JSON.parse(gunzipSync(Buffer.from(status.compressedNodes, 'base64')).toString('utf8')) as Record<string, ArgoNode>;
    } catch (error) {
      throw new Error(`cannot decode the workflow's compressedNodes (${(error as Error).message})`);
    }
  }
  return status.nodes ?? {};
}

/** Whether Argo will not change the workflow any more. */
export function workflowFinished(workflow: ArgoWorkflow): boolean {
  const phase = workflow.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Error';
}
