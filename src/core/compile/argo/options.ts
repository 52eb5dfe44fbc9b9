import type { ClusterOptions } from '../cluster/options';

export interface ArgoOptions extends ClusterOptions {
  /** metadata.namespace of the Workflow; omitted: the namespace it is created in. */
  namespace?: string;
  /** spec.serviceAccountName of the pods. */
  serviceAccount?: string;
  /** Emit a WorkflowTemplate (metadata.name) instead of a Workflow (metadata.generateName). */
  template?: boolean;
  /**
   * Name of the Workflow (generateName prefix, <= 57 characters before its '-') or of the
   * WorkflowTemplate; default: the pipeline's name, sanitised to DNS-1123.
   */
  name?: string;
  /** Extra labels on the Workflow (e.g. a backend's run id); keys and values must be valid labels. */
  labels?: Record<string, string>;
  /**
   * When a fresh claim is deleted: 'OnWorkflowSuccess' (default: a failed run keeps its data for
   * retry and inspection) or 'OnWorkflowCompletion'.
   */
  volumeClaimGC?: 'OnWorkflowSuccess' | 'OnWorkflowCompletion';
}
