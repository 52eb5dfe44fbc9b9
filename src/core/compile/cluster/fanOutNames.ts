/**
 * A fan-out step's names on a cluster, the same on Argo and KFP (docs/fan-out.md): `--` never occurs
 * in a step id, so they never collide with a step's.
 */

/** The task running a fan-out step's items (an Argo DAG template and task, a KFP loop). */
export function itemsTaskName(stepId: string): string {
  return `${stepId}--items`;
}

/** What runs one item: the Argo pod template, the KFP task inside the loop (and its component). */
export function itemTaskName(stepId: string): string {
  return `${stepId}--item`;
}
