import type { StepState, StepStatus } from '../../../../src/core/run/types';

const DONE_OK: ReadonlySet<StepStatus> = new Set(['Succeeded', 'Cached']);
const FINISHED: ReadonlySet<StepStatus> = new Set(['Succeeded', 'Cached', 'Failed', 'Skipped', 'Cancelled']);

export function isFinished(status: StepStatus): boolean {
  return FINISHED.has(status);
}

/** Pending steps whose dependencies all succeeded, in pipeline order. */
export function readySteps(steps: readonly StepState[]): StepState[] {
  const byId = new Map(steps.map(s => [s.id, s]));
  return steps.filter(s => s.status === 'Pending' && s.dependsOn.every(d => DONE_OK.has(byId.get(d)?.status ?? 'Pending')));
}

const DEAD: ReadonlySet<StepStatus> = new Set(['Failed', 'Skipped', 'Cancelled']);

/**
 * Pending steps that can never run because a step they depend on failed, was skipped or was
 * cancelled, each with that step. Marking them skipped and asking again reaches the descendants.
 */
export function blockedSteps(steps: readonly StepState[]): Array<{ step: StepState; blockedBy: StepState }> {
  const byId = new Map(steps.map(s => [s.id, s]));
  const blocked: Array<{ step: StepState; blockedBy: StepState }> = [];
  for (const step of steps) {
    if (step.status !== 'Pending') {
      continue;
    }
    const dead = step.dependsOn.map(d => byId.get(d)).find(d => d && DEAD.has(d.status));
    if (dead) {
      blocked.push({ step, blockedBy: dead });
    }
  }
  return blocked;
}

/**
 * Pending steps that may be asked to start soon, as soon as what they wait for ends: those not
 * `starting` whose every dependency has started (runs, ended well, or is `starting`). A chain's
 * next step; the second steps of branches whose first steps run. Not a step that will be skipped.
 */
export function stepsStartingSoon(steps: readonly StepState[], starting: ReadonlySet<string>): StepState[] {
  const byId = new Map(steps.map(s => [s.id, s]));
  const notStarted = (id: string): boolean => byId.get(id)?.status === 'Pending' && !starting.has(id);
  return steps.filter(s => notStarted(s.id) && s.dependsOn.every(d => !notStarted(d) && !DEAD.has(byId.get(d)?.status ?? 'Pending')));
}

/**
 * The step that becomes ready the moment step `parentId` succeeds: the first Pending step, not
 * `starting`, that depends on it and on nothing else not succeeded yet. (A fork server can then start
 * it as soon as that step's process ends: forkServer.ts, StepLaunch.after.)
 */
export function stepReadyAfter(steps: readonly StepState[], parentId: string, starting: ReadonlySet<string>): StepState | undefined {
  const byId = new Map(steps.map(s => [s.id, s]));
  return steps.find(
    s =>
      s.status === 'Pending' &&
      !starting.has(s.id) &&
      s.dependsOn.includes(parentId) &&
      s.dependsOn.every(d => d === parentId || DONE_OK.has(byId.get(d)?.status ?? 'Pending'))
  );
}

/** Step ids in an order where every step comes after the steps it depends on (Kahn's algorithm). */
export function topologicalOrder(steps: ReadonlyArray<{ id: string; dependsOn: string[] }>): string[] {
  const indegree = new Map(steps.map(s => [s.id, 0]));
  const children = new Map<string, string[]>(steps.map(s => [s.id, []]));
  for (const s of steps) {
    for (const d of s.dependsOn) {
      if (!indegree.has(d)) {
        throw new Error(`step '${s.id}' depends on unknown step '${d}'`);
      }
      indegree.set(s.id, indegree.get(s.id)! + 1);
      children.get(d)!.push(s.id);
    }
  }
  const queue = steps.filter(s => indegree.get(s.id) === 0).map(s => s.id);
  const order: string[] = [];
  while (queue.length) {
    const id = queue.shift()!;
    order.push(id);
    for (const c of children.get(id)!) {
      indegree.set(c, indegree.get(c)! - 1);
      if (indegree.get(c) === 0) {
        queue.push(c);
      }
    }
  }
  if (order.length !== steps.length) {
    throw new Error(
      'the steps form a cycle: ' +
        steps
          .filter(s => !order.includes(s.id))
          .map(s => s.id)
          .join(' -> ')
    );
  }
  return order;
}
