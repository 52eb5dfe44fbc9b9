/** @jest-environment jsdom */
import React from 'react';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import { stepState } from '../__fixtures__/runStates';
import { MemberList, Served, Workers } from './StepMembers';

async function shown(element: JSX.Element): Promise<ReactWidget> {
  const widget = ReactWidget.create(element);
  Widget.attach(widget, document.body);
  await widget.renderPromise;
  return widget;
}

describe('the step panel of a distributed or serving step', () => {
  it("lists a distributed step's workers by rank, with why one failed", async () => {
    const step = stepState('train', 'Failed', {
      workers: [
        { status: 'Cancelled', message: 'stopped: another worker failed' },
        { status: 'Failed', message: 'ValueError: bad shard' }
      ]
    });
    const widget = await shown(<Workers step={step} />);
    const ranks = [...widget.node.querySelectorAll('[data-rank]')].map(li => li.textContent);
    expect(ranks).toEqual([
      expect.stringMatching(/^rank 0.*stopped: another worker failed$/),
      expect.stringMatching(/^rank 1.*ValueError: bad shard$/)
    ]);
    expect(widget.node.querySelector('[aria-label="workers of step train"]')).not.toBeNull();
    widget.dispose();
  });

  it("lists a fan-out step's items numbered from 1, their index 0-based in data-item", async () => {
    const widget = await shown(
      <MemberList
        kind="item"
        summary="2 items: 1 succeeded, 1 failed"
        label="items of step folds"
        members={[
          { index: 0, status: 'succeeded' },
          { index: 1, status: 'failed', message: 'ZeroDivisionError: division by zero' }
        ]}
      />
    );
    const items = [...widget.node.querySelectorAll('[data-item]')];
    expect(items.map(li => li.getAttribute('data-item'))).toEqual(['0', '1']);
    expect(items.map(li => li.textContent)).toEqual(['item 1 ✓succeeded', 'item 2 ✕failed ZeroDivisionError: division by zero']);
    expect(items[1].querySelector('[data-status]')!.getAttribute('data-status')).toBe('failed');
    expect(widget.node.querySelector('[aria-label="items of step folds"]')!.getAttribute('tabindex')).toBe('0');
    expect(widget.node.querySelector('.cp-Muted')!.textContent).toBe('2 items: 1 succeeded, 1 failed');
    widget.dispose();
  });

  it('shows where a served model answers, or why it does not', async () => {
    const ready = await shown(
      <Served
        step={stepState('train', 'Succeeded', {
          served: {
            name: 'iris-train',
            url: 'http://127.0.0.1:8080',
            status: 'Ready',
            prediction: { instances: [[1]], predictions: [0], expected: [0] }
          }
        })}
      />
    );
    expect(ready.node.querySelector('.cp-Served-url')!.textContent).toBe('http://127.0.0.1:8080/v1/models/iris-train:predict');
    expect(ready.node.textContent).toContain("answered 1 rows as the notebook's model.predict does");
    ready.dispose();
    const failed = await shown(
      <Served step={stepState('train', 'Failed', { served: { name: 'm', url: '', status: 'Failed', message: 'the model server stopped' } })} />
    );
    expect(failed.node.querySelector('.cp-Served-url')).toBeNull();
    expect(failed.node.textContent).toContain('the model server stopped');
    failed.dispose();
    expect((await shown(<Served step={stepState('plain', 'Succeeded')} />)).node.textContent).toBe('');
  });
});
