import type { StepState, StepStatus } from '../../../../src/core/run/types';
import { stepReadyAfter, stepsStartingSoon } from './schedule';

/** Steps as `id:status<dependency,...` (status P, R, S, F: Pending, Running, Succeeded, Failed). */
function steps(...specs: string[]): StepState[] {
  const statuses: Record<string, StepStatus> = { P: 'Pending', R: 'Running', S: 'Succeeded', F: 'Failed' };
  return specs.map(spec => {
    const [head, deps = ''] = spec.split('<');
    const [id, status] = head.split(':');
    return { id, name: id, status: statuses[status], dependsOn: deps ? deps.split(',') : [], cached: false, attempts: 0 };
  });
}

const ids = (list: StepState[]): string[] => list.map(s => s.id);

describe('stepsStartingSoon', () => {
  it("is a chain's next step only", () => {
    const chain = steps('a:R', 'b:P<a', 'c:P<b', 'd:P<c');
    expect(ids(stepsStartingSoon(chain, new Set()))).toEqual(['b']);
  });

  it("is every branch's second step once the first steps are starting or running", () => {
    const branches = steps('a1:P', 'a2:P<a1', 'b1:R', 'b2:P<b1', 'c1:P', 'c2:P<c1');
    // a1 and c1 are being started (no process yet): they count as started, and are not counted.
    expect(ids(stepsStartingSoon(branches, new Set(['a1', 'c1'])))).toEqual(['a2', 'b2', 'c2']);
    // Before they are: the steps that can start now, and the second step of the running branch.
    expect(ids(stepsStartingSoon(branches, new Set()))).toEqual(['a1', 'b2', 'c1']);
  });

  it('leaves out a step that waits for one not started, or that will be skipped', () => {
    const run = steps('a:S', 'b:F', 'c:P<a,b', 'd:P<a', 'e:P<d');
    expect(ids(stepsStartingSoon(run, new Set()))).toEqual(['d']);
  });
});

describe('stepReadyAfter', () => {
  it('is the step whose only unfinished dependency is the given one, once', () => {
    const run = steps('a:R', 'b:R', 'c:S', 'd:P<a,b', 'e:P<a,c', 'f:P<a');
    // d also waits for b; e's other dependency succeeded; f comes after e in the pipeline.
    expect(stepReadyAfter(run, 'a', new Set())?.id).toBe('e');
    expect(stepReadyAfter(run, 'a', new Set(['e']))?.id).toBe('f');
    expect(stepReadyAfter(run, 'a', new Set(['e', 'f']))).toBeUndefined();
  });

  it('is none for a step nothing waits for, or whose dependants wait for a failed step', () => {
    expect(stepReadyAfter(steps('a:R', 'b:R', 'c:P<b'), 'a', new Set())).toBeUndefined();
    expect(stepReadyAfter(steps('a:R', 'b:F', 'c:P<a,b'), 'a', new Set())).toBeUndefined();
    expect(stepReadyAfter(steps('a:R', 'b:S<a'), 'a', new Set())).toBeUndefined();
  });
});
