import { stepState } from '../__fixtures__/runStates';
import { fanOutView } from './fanOutView';

describe('fanOutView', () => {
  const fanOut = { over: 'folds', parallelism: null, accumulators: ['scores'] };

  it('is nothing for a step that does not fan out', () => {
    expect(fanOutView(undefined, stepState('train', 'Succeeded'))).toBeNull();
  });

  it('says what the step fans out over before its list is made', () => {
    expect(fanOutView(fanOut, null)).toEqual({ badge: '× each item of folds', summary: 'runs once per item of folds', marks: [] });
    expect(fanOutView(fanOut, stepState('train', 'Pending'))?.badge).toBe('× each item of folds');
  });

  it("counts the run's instances and names each one's status, items counted from 1", () => {
    const state = stepState('train', 'Failed', {
      instances: [{ status: 'Succeeded' }, { status: 'Failed', message: 'item 2 of 4: ValueError' }, { status: 'Running' }, { status: 'Skipped' }]
    });
    const view = fanOutView(fanOut, state)!;
    expect(view.badge).toBe('×4');
    expect(view.summary).toBe('4 items: 1 succeeded, 1 failed, 1 running, 1 skipped');
    expect(view.marks.map(mark => [mark.status, mark.label])).toEqual([
      ['succeeded', 'item 1: succeeded'],
      ['failed', 'item 2: failed'],
      ['running', 'item 3: running'],
      ['skipped', 'item 4: skipped']
    ]);
    expect(view.marks[1].message).toBe('item 2 of 4: ValueError');
  });

  it('shows the instances of a run even when the analysis no longer fans out (the notebook changed since)', () => {
    expect(fanOutView(undefined, stepState('train', 'Succeeded', { instances: [{ status: 'Succeeded' }] }))).toMatchObject({
      badge: '×1',
      summary: '1 item: 1 succeeded'
    });
  });
});
