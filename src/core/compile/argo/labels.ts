/**
 * How a backend finds cellpipe's parts in a running Workflow.
 *
 * The DAG task name and the template name of a step are its step id (PipelineStep.id, already a
 * lowercase DNS-1123 label of at most 40 characters), so an Argo node's `displayName` (or the task
 * part of its `name`, `<workflow>.<task>`) and its `templateName` are the step id. Every step pod
 * also carries the label ARGO_LABELS.stepId = step id. The nodes cellpipe adds itself have names
 * containing '--', which a step id never contains, so they can never collide with a step.
 */
export const ARGO_LABELS = {
  /** On the Workflow and every pod: the pipeline's name, sanitised to a label value. */
  pipeline: 'cellpipe.dev/pipeline',
  /** On every step pod: the step id. */
  stepId: 'cellpipe.dev/step-id',
  /** On every pod cellpipe emits: 'step' or 'setup'. */
  role: 'cellpipe.dev/role'
} as const;

/** The DAG template (the Workflow's entrypoint). */
export const ARGO_ENTRYPOINT = 'cellpipe--dag';
/**
 * The task (and template) that writes the shared step runtime to the data volume once per run;
 * every step depends on it. Not a step: backends show it as preparation, or not at all.
 */
export const ARGO_SETUP_TASK = 'cellpipe--setup';
/** The tasks (and templates) writing the parts 2, 3... of a long step payload, which the setup task waits for. */
export function argoSetupPartTask(index: number): string {
  return `${ARGO_SETUP_TASK}-part-${index}`;
}
/** Name of the data volume (claim template or volume) in the Workflow. */
export const ARGO_DATA_VOLUME = 'cellpipe-data';
