/** @jest-environment jsdom */
import React from 'react';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import { runState, stepState } from '../__fixtures__/runStates';
import { compareRuns } from '../models/RunComparison';
import { RunComparisonView } from './RunComparisonView';
import { RunList } from './RunList';

async function rendered(element: JSX.Element): Promise<ReactWidget> {
  const widget = ReactWidget.create(element);
  Widget.attach(widget, document.body);
  await widget.renderPromise;
  return widget;
}

const runs = [
  runState('r1', [stepState('train', 'Succeeded')], { status: 'Succeeded', parameters: { rate: 0.1 }, metrics: { loss: 0.123456789 } }),
  runState('r2', [stepState('train', 'Cached', { cached: true })], { status: 'Succeeded', parameters: { rate: 0.5 }, metrics: { loss: 0.5 } })
];

describe('RunComparisonView', () => {
  it('shows a column per run, metrics rounded with the full value as a tooltip, the best marked, what each step did', async () => {
    const onDirection = jest.fn();
    const widget = await rendered(
      <RunComparisonView
        path="p.ipynb"
        table={compareRuns(runs)}
        error={null}
        loading={false}
        onDirection={onDirection}
        onReload={() => undefined}
        onBestBy={() => undefined}
      />
    );
    const cells = (selector: string): string[] => [...widget.node.querySelectorAll(`${selector} td`)].map(td => td.textContent!);
    expect(cells('tr[data-parameter="rate"]')).toEqual(['0.1', '0.5']);
    expect(cells('tr[data-metric="loss"]')).toEqual(['0.1235 ★ best', '0.5']);
    expect(widget.node.querySelector('tr[data-metric="loss"] td')!.getAttribute('title')).toBe('0.123456789');
    expect(cells('tr[data-step="train"]')).toEqual(['✓ran', '↺cached']);
    widget.node.querySelector<HTMLButtonElement>('.cp-Compare-direction')!.click();
    expect(onDirection).toHaveBeenCalledWith('loss', 'higher');
    widget.dispose();
  });
});

describe('RunComparisonView of a sweep', () => {
  it('frames the best run by the metric picked, and lets the user pick another', async () => {
    const onBestBy = jest.fn();
    const widget = await rendered(
      <RunComparisonView
        path="p.ipynb"
        sweepId="sweep-1"
        table={compareRuns(runs, {}, 'loss')}
        error={null}
        loading={false}
        onDirection={() => undefined}
        onReload={() => undefined}
        onBestBy={onBestBy}
      />
    );
    expect(widget.node.querySelector('h2')!.textContent).toBe('Sweep of p.ipynb: 2 runs');
    const best = [...widget.node.querySelectorAll('.cp-mod-bestRun')];
    expect(best[0].textContent).toBe('r1 ★ best run by loss');
    expect(best.every(cell => (cell as HTMLTableCellElement).cellIndex === 1)).toBe(true);
    const select = widget.node.querySelector<HTMLSelectElement>('.cp-Compare-bestBy select')!;
    expect([...select.options].map(o => o.textContent)).toEqual(['(none)', 'loss (lower is better)']);
    expect(select.value).toBe('loss');
    select.value = '';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    expect(onBestBy).toHaveBeenCalledWith(null);
    widget.dispose();
  });
});

describe('RunList', () => {
  it("shows each run's changed parameters and compares only from two picked runs on", async () => {
    const onCompare = jest.fn();
    const onToggle = jest.fn();
    const parameters = [{ name: 'rate', type: 'float', default: 0.1, cell: 0, line: 1 }];
    const list = (compared: string[]) => (
      <RunList
        runs={runs}
        currentRunId="r1"
        parameters={parameters}
        compared={compared}
        onSelect={() => undefined}
        onToggleCompared={onToggle}
        onCompare={onCompare}
      />
    );
    const one = await rendered(list(['r1']));
    expect([...one.node.querySelectorAll('.cp-History-parameters')].map(p => p.textContent)).toEqual(['default parameters', 'rate=0.5']);
    one.node.querySelectorAll<HTMLInputElement>('.cp-History-compare')[1].click();
    expect(onToggle).toHaveBeenCalledWith('r2');
    const button = one.node.querySelector<HTMLButtonElement>('.cp-CompareButton')!;
    expect(button.getAttribute('aria-disabled')).toBe('true');
    button.click();
    expect(onCompare).not.toHaveBeenCalled();
    one.dispose();
    const two = await rendered(list(['r1', 'r2']));
    two.node.querySelector<HTMLButtonElement>('.cp-CompareButton')!.click();
    expect(onCompare).toHaveBeenCalledTimes(1);
    two.dispose();
  });

  it("opens a sweep's comparison from any of its runs, the sweep's runs in grid order", async () => {
    const onOpenSweep = jest.fn();
    const sweep = (runId: string, index: number) => runState(runId, [], { sweep: { id: 's1', index, of: 2, values: { rate: index } } });
    const widget = await rendered(
      <RunList
        runs={[sweep('b', 1), runs[0], sweep('a', 0)]}
        currentRunId={null}
        parameters={[]}
        compared={[]}
        onSelect={() => undefined}
        onToggleCompared={() => undefined}
        onCompare={() => undefined}
        onOpenSweep={onOpenSweep}
      />
    );
    const buttons = [...widget.node.querySelectorAll<HTMLButtonElement>('.cp-History-sweep')];
    expect(buttons.map(b => [b.textContent, b.getAttribute('aria-label')])).toEqual([
      ['sweep 2/2', 'compare the runs of sweep s1 (this is point 2 of 2)'],
      ['sweep 1/2', 'compare the runs of sweep s1 (this is point 1 of 2)']
    ]);
    buttons[0].click();
    expect(onOpenSweep).toHaveBeenCalledWith('s1', ['a', 'b']);
    widget.dispose();
  });
});
