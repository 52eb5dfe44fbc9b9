/**
 * Argo Workflows target. Validation (ajv schema + Argo's semantic checks) is in ./validate, kept
 * out of this entry so that importing the compiler does not pull in ajv.
 */
export { compileArgo, compileArgoWorkflow, MAX_GENERATE_NAME, stepOutputs, type ArgoCompileResult } from './compile';
export { ARGO_DATA_VOLUME, ARGO_ENTRYPOINT, ARGO_LABELS, ARGO_SETUP_TASK } from './labels';
export type { ArgoOptions } from './options';
export type * from './types';
export { ClusterCompileError } from '../cluster/diagnostics';
export type { AccessMode, ClusterOptions, Toleration, VolumeOptions } from '../cluster/options';
export { DATA_MOUNT_PATH, DEFAULT_STEP_IMAGE, DEFAULT_VOLUME_SIZE } from '../cluster/options';
import { toYaml } from '../yaml';
import type { ArgoWorkflow } from './types';

/** The Workflow as YAML (one document), with `comment` above it. */
export function argoYaml(workflow: ArgoWorkflow, comment?: string): string {
  return toYaml(workflow, comment);
}
