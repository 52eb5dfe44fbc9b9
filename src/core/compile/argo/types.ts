/**
 * The subset of Argo Workflows' Workflow / WorkflowTemplate (argoproj.io/v1alpha1) cellpipe emits:
 * only fields present in Argo v3.5 and not removed in v4. Quantities and int-or-string values are
 * strings. argo/schema.ts describes exactly these fields for validation.
 */
import type { Toleration } from '../cluster/options';

export interface ArgoParameter {
  name: string;
  value?: string;
  description?: string;
}

export interface ArgoEnvVar {
  name: string;
  value?: string;
  /** optional: the pod starts without the variable when the secret or its key is missing. */
  valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } };
}

export interface ArgoResources {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export interface ArgoVolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface ArgoScript {
  image: string;
  command: string[];
  source: string;
  env?: ArgoEnvVar[];
  resources?: ArgoResources;
  volumeMounts?: ArgoVolumeMount[];
}

export interface ArgoDagTask {
  name: string;
  template: string;
  /** Task names that must succeed first (a `dependencies` list; cellpipe never emits `depends`). */
  dependencies?: string[];
  /** A JSON list: the task runs once per item, `{{item}}` being the item (a fan-out step's items). */
  withParam?: string;
  /** Values of the template's input parameters. */
  arguments?: { parameters: Array<{ name: string; value: string }> };
}

/** A value Argo reads from a file of the pod once its container ended (or `default`). */
export interface ArgoOutputParameter {
  name: string;
  valueFrom: { path: string; default?: string };
}

export interface ArgoTemplate {
  name: string;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  dag?: { tasks: ArgoDagTask[] };
  script?: ArgoScript;
  /** Parameters the template is given by the task that runs it (`{{inputs.parameters.NAME}}`). */
  inputs?: { parameters: Array<{ name: string }> };
  /** A DAG template: the most of its tasks' pods running at once. */
  parallelism?: number;
  /** A DAG template: once one of its pods failed, start no other (those running end). */
  failFast?: boolean;
  outputs?: { parameters: ArgoOutputParameter[] };
  retryStrategy?: { limit: string; retryPolicy: 'OnFailure' | 'OnError' | 'Always' };
  /** Seconds, as a string. */
  activeDeadlineSeconds?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  /** The pod's securityContext (a PodSecurityContext): the notebook's security_context. */
  securityContext?: ArgoPodSecurityContext;
}

export interface ArgoPodSecurityContext {
  runAsUser: number;
  runAsGroup: number;
  runAsNonRoot: boolean;
}

export interface ArgoVolumeClaimTemplate {
  metadata: { name: string };
  spec: {
    accessModes: string[];
    resources: { requests: { storage: string } };
    storageClassName?: string;
  };
}

export interface ArgoVolume {
  name: string;
  persistentVolumeClaim: { claimName: string; readOnly?: boolean };
}

export interface ArgoWorkflowSpec {
  entrypoint: string;
  arguments?: { parameters: ArgoParameter[] };
  serviceAccountName?: string;
  volumeClaimTemplates?: ArgoVolumeClaimTemplate[];
  volumeClaimGC?: { strategy: 'OnWorkflowSuccess' | 'OnWorkflowCompletion' };
  volumes?: ArgoVolume[];
  podGC?: { strategy: 'OnPodSuccess' };
  podMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  templates: ArgoTemplate[];
}

export interface ArgoWorkflow {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'Workflow' | 'WorkflowTemplate';
  metadata: {
    /** Workflow: generateName (Kubernetes appends 5 characters). WorkflowTemplate: name. */
    generateName?: string;
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: ArgoWorkflowSpec;
}
