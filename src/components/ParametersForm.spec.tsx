/** @jest-environment jsdom */
import React from 'react';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type { Parameter } from '../core/analysis';
import { ParametersForm } from './ParametersForm';

const parameters: Parameter[] = [
  { name: 'epochs', type: 'int', default: 5, cell: 0, line: 1 },
  { name: 'name', type: 'str', default: 'base', cell: 0, line: 2 }
];

async function rendered(element: JSX.Element): Promise<ReactWidget> {
  const widget = ReactWidget.create(element);
  Widget.attach(widget, document.body); // renders it
  await widget.renderPromise;
  return widget;
}

describe('ParametersForm', () => {
  it('shows the typed text, or the default, and the error of a text that does not fit on its field', async () => {
    const error = "parameter epochs: 'ten' is not a whole number (the default is 5)";
    const widget = await rendered(
      <ParametersForm parameters={parameters} texts={{ epochs: 'ten' }} errors={{ epochs: error }} onChange={() => undefined} />
    );
    const input = (name: string): HTMLInputElement => widget.node.querySelector(`input[data-parameter="${name}"]`)!;
    expect(input('epochs').value).toBe('ten');
    expect(input('epochs').getAttribute('aria-invalid')).toBe('true');
    expect(input('name').value).toBe('base');
    expect(input('name').getAttribute('aria-invalid')).toBe('false');
    expect([...widget.node.querySelectorAll('[data-parameter-error]')].map(e => [e.getAttribute('data-parameter-error'), e.textContent])).toEqual([
      ['epochs', error]
    ]);
    widget.dispose();
  });

  it('reports what is typed, and a default typed back as no value', async () => {
    const onChange = jest.fn();
    const widget = await rendered(<ParametersForm parameters={parameters} texts={{ epochs: '12' }} errors={{}} onChange={onChange} />);
    const epochs = widget.node.querySelector<HTMLInputElement>('input[data-parameter="epochs"]')!;
    type(epochs, '30');
    type(epochs, '5');
    expect(onChange.mock.calls).toEqual([
      ['epochs', '30'],
      ['epochs', '']
    ]);
    widget.dispose();
  });
});

/** Types into a React-controlled input as the browser would. */
function type(input: HTMLInputElement, text: string): void {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, text);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}
