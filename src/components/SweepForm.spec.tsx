/** @jest-environment jsdom */
import React from 'react';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type { Parameter } from '../core/analysis';
import { SweepForm } from './SweepForm';

const parameters: Parameter[] = [
  { name: 'lr', type: 'float', default: 0.1, cell: 0, line: 1 },
  { name: 'depth', type: 'int', default: 3, cell: 0, line: 2 }
];

/** Types into a React-controlled input as a user does (React listens for 'input'). */
function type(input: HTMLInputElement, text: string): void {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, text);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('SweepForm', () => {
  it('counts the runs as values are typed, marks a bad value, and starts the typed grid', async () => {
    const onStart = jest.fn();
    const widget = ReactWidget.create(<SweepForm parameters={parameters} blocked={null} busy={false} onStart={onStart} />);
    Widget.attach(widget, document.body);
    await widget.renderPromise;
    const field = (name: string) => widget.node.querySelector<HTMLInputElement>(`[data-sweep-parameter="${name}"]`)!;
    const button = () => widget.node.querySelector<HTMLButtonElement>('.cp-SweepButton')!;
    expect([button().textContent, button().getAttribute('aria-disabled')]).toEqual(['Run sweep', 'true']);
    type(field('lr'), '0.1, 0.01');
    type(field('depth'), '2, deep');
    await widget.renderPromise;
    expect(widget.node.querySelector('[data-sweep-error="depth"]')!.textContent).toMatch(/' deep' is not a whole number/);
    expect(field('depth').getAttribute('aria-invalid')).toBe('true');
    button().click();
    expect(onStart).not.toHaveBeenCalled();
    type(field('depth'), '2, 4');
    expect([button().textContent, button().getAttribute('aria-disabled')]).toEqual(['Run sweep (4 runs)', 'false']);
    button().click();
    expect(onStart).toHaveBeenCalledWith({ lr: [0.1, 0.01], depth: [2, 4] });
    widget.dispose();
  });
});
