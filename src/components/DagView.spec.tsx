/** @jest-environment jsdom */
import React from 'react';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import { runState, stepState } from '../__fixtures__/runStates';
import { notebookJson, step } from '../core/__fixtures__/notebookBuilder';
import { analyzeNotebook } from '../core/analysis';
import type { RunState } from '../core/run/types';
import { DagView } from './DagView';

// A real analysis of a notebook with a fan-out step: `train` runs once per item of `folds`.
const analysis = analyzeNotebook(
  notebookJson([
    step('split', 'folds = [1, 2, 3, 4]\nscores = []'),
    step('train', 'for fold in folds:\n    scores.append(fold * 2)', 'foreach:folds'),
    step('report', 'best = max(scores)')
  ])
);

async function dag(run: RunState | null): Promise<ReactWidget> {
  const widget = ReactWidget.create(<DagView steps={analysis.steps} run={run} selected={null} active={null} onSelect={() => undefined} />);
  Widget.attach(widget, document.body);
  await widget.renderPromise;
  return widget;
}

describe('DagView, a fan-out step', () => {
  it('is one node saying what it runs over before its list is made', async () => {
    expect(analysis.steps.find(s => s.name === 'train')?.fanOut?.over).toBe('folds');
    const widget = await dag(null);
    const node = widget.node.querySelector('[data-step="train"]')!;
    expect(node.querySelector('.cp-DagNode-badge')!.textContent).toBe('× each item of folds');
    expect(node.querySelectorAll('.cp-DagNode-instance')).toHaveLength(0);
    expect(node.getAttribute('aria-label')).toBe('step train: not run, runs once per item of folds');
    expect(widget.node.querySelector('[data-step="split"] .cp-DagNode-badge')).toBeNull();
    widget.dispose();
  });

  it("shows its instance count and a mark per instance in its status' colour, each named", async () => {
    const run = runState('r1', [
      stepState('split', 'Succeeded'),
      stepState('train', 'Failed', {
        instances: [
          { status: 'Succeeded' },
          { status: 'Succeeded' },
          { status: 'Failed', message: 'item 3 of 4: ValueError: bad fold' },
          { status: 'Skipped' }
        ]
      }),
      stepState('report', 'Skipped')
    ]);
    const widget = await dag(run);
    const node = widget.node.querySelector('[data-step="train"]')!;
    expect(node.querySelector('.cp-DagNode-badge')!.textContent).toBe('×4');
    const marks = [...node.querySelectorAll('.cp-DagNode-instance')];
    expect(marks.map(mark => [mark.getAttribute('class'), mark.querySelector('title')!.textContent])).toEqual([
      ['cp-DagNode-instance cp-mod-succeeded', 'item 1: succeeded'],
      ['cp-DagNode-instance cp-mod-succeeded', 'item 2: succeeded'],
      ['cp-DagNode-instance cp-mod-failed', 'item 3: failed: item 3 of 4: ValueError: bad fold'],
      ['cp-DagNode-instance cp-mod-skipped', 'item 4: skipped']
    ]);
    // The marks sit side by side inside the node's box.
    const xs = marks.map(mark => Number(mark.getAttribute('x')));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    const box = Number(node.querySelector('.cp-DagNode-box')!.getAttribute('width'));
    expect(xs[3] + Number(marks[3].getAttribute('width'))).toBeLessThan(box);
    expect(node.getAttribute('aria-label')).toBe('step train: failed, 4 items: 2 succeeded, 1 failed, 1 skipped');
    widget.dispose();
  });
});
