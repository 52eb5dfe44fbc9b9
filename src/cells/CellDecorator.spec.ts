/** @jest-environment jsdom */
import type { Cell } from '@jupyterlab/cells';
import { CellpipeClient } from '../api/client';
import { mockedClient, runStream } from '../__fixtures__/cellpipeClient';
import { notebookPanel, type NotebookPanelFixture } from '../__fixtures__/notebookPanel';
import { runState, stepState } from '../__fixtures__/runStates';
import { step } from '../core/__fixtures__/notebookBuilder';
import type { NotebookPipeline } from '../models/NotebookPipeline';
import { SidebarModel } from '../models/SidebarModel';
import { elapsedClock } from '../models/elapsedClock';
import { stepColor } from '../models/stepColors';
import { CellDecorator } from './CellDecorator';

jest.mock('../api/client');

/** Lets pending promise callbacks run, then the decorator's next animation frame. */
async function decorated(): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, 0));
  await new Promise(resolve => requestAnimationFrame(resolve));
}

describe('CellDecorator', () => {
  let client: jest.Mocked<CellpipeClient>;
  let model: SidebarModel;
  let fixture: NotebookPanelFixture;
  let pipeline: NotebookPipeline;
  let decorator: CellDecorator;
  let editTags: jest.Mock;

  const cell = (index: number): Cell => fixture.notebook.widgets[index];
  const node = (index: number): HTMLElement => cell(index).node;
  const banner = (index: number): HTMLElement | null => node(index).querySelector(':scope > .cp-CellBanner');

  beforeEach(async () => {
    client = mockedClient();
    model = new SidebarModel(client);
    fixture = notebookPanel([
      { markdown: '# Churn' },
      { code: 'import math', tags: ['imports'] },
      step('load', 'rows = [1, 2, 3]'),
      'total = math.fsum(rows)',
      { code: 'rows.clear()', tags: ['skip'] },
      step('train', 'model = total * 2\nprint(model)')
    ]);
    pipeline = model.pipelineOf(fixture.panel);
    model.setPanel(fixture.panel);
    editTags = jest.fn();
    decorator = new CellDecorator(fixture.panel, pipeline, model, editTags);
    await decorated();
  });

  afterEach(() => {
    decorator.dispose();
    model.dispose();
    fixture.close();
  });

  it("marks every cell of a step with the step's name and colour, and no other cell", () => {
    expect([0, 1, 2, 3, 4, 5].map(i => node(i).dataset.cpStep ?? null)).toEqual([null, null, 'load', 'load', null, 'train']);
    expect([0, 1, 2, 3, 4, 5].map(i => node(i).classList.contains('cp-mod-step'))).toEqual([false, false, true, true, false, true]);
    expect(node(3).style.getPropertyValue('--cp-step-color')).toBe(stepColor('load', ['load', 'train']));
    expect(node(5).style.getPropertyValue('--cp-step-color')).toBe(stepColor('train', ['load', 'train']));
    expect(stepColor('load', ['load', 'train'])).not.toBe(stepColor('train', ['load', 'train']));
    expect([0, 1, 2, 4].map(i => node(i).getAttribute('data-cp-role'))).toEqual(['text', 'prelude', 'step', 'skip']);
  });

  it('puts a bar above every code cell: the step name, or a badge saying what the cell is', () => {
    expect([0, 1, 2, 3, 4, 5].map(i => banner(i) !== null)).toEqual([false, true, true, true, true, true]);
    const bar = (i: number): HTMLElement => banner(i)!.querySelector('.cp-StepBar')!;
    expect([1, 2, 3, 4, 5].map(i => [bar(i).dataset.role, bar(i).textContent])).toEqual([
      ['imports', 'imports'],
      ['step', 'load'],
      ['step', 'loadcontinued'],
      ['skip', 'skip'],
      ['step', 'train']
    ]);
    expect(node(2).firstElementChild).toBe(banner(2)); // above the code
  });

  it('opens the tag editor from the bar: a click, Enter or Space (not the notebook shortcuts)', () => {
    const bar = banner(4)!.querySelector<HTMLButtonElement>('.cp-StepBar')!;
    bar.click();
    const enter = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
    const outside = jest.fn();
    fixture.notebook.node.addEventListener('keydown', outside);
    bar.dispatchEvent(enter);
    bar.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true, cancelable: true }));
    expect(editTags.mock.calls.map(([c]) => c)).toEqual([cell(4), cell(4), cell(4)]);
    expect(enter.defaultPrevented).toBe(true);
    expect(outside).not.toHaveBeenCalled();
  });

  it('badges the other roles: functions, pipeline-parameters, pipeline-metrics', async () => {
    fixture.model.cells.get(1).setMetadata('tags', ['functions']);
    fixture.model.cells.get(4).setMetadata('tags', ['pipeline-parameters']);
    fixture.model.cells.get(3).setMetadata('tags', ['pipeline-metrics']);
    fixture.model.cells.get(4).sharedModel.setSource('rate = 0.5');
    fixture.model.cells.get(3).sharedModel.setSource('total');
    pipeline.analyze();
    await decorated();
    expect([1, 3, 4].map(i => banner(i)!.querySelector<HTMLElement>('.cp-StepBar')!.dataset.role)).toEqual([
      'functions',
      'pipeline-metrics',
      'pipeline-parameters'
    ]);
  });

  it("heads each step's first cell with its name, inputs and outputs", () => {
    const train = banner(5)!;
    expect(train.querySelector('.cp-StepHeader-name')!.textContent).toBe('train');
    expect(train.querySelector('.cp-StepHeader-in')!.textContent).toBe('in: total ← load');
    expect(banner(2)!.querySelector('.cp-StepHeader-out')!.textContent).toBe('out: total');
    expect(train.querySelector('.cp-StepStatus')).toBeNull();
  });

  it('puts a banner back above its cell when the cell built its parts around it', async () => {
    // Under windowing a cell decorated before it is built gets its parts inserted before the banner.
    node(2).append(banner(2)!);
    pipeline.analyze();
    await decorated();
    expect(node(2).firstElementChild).toBe(banner(2));
  });

  it("shows the watched run's step status, duration and saved outputs on the step's cells", async () => {
    client.stepOutputs.mockResolvedValue([{ name: 'total', type: 'float', serializer: 'pickle', bytes: 2048 }]);
    client.startRun.mockResolvedValue(
      runState('r1', [
        stepState('load', 'Succeeded', { startedAt: '2026-12-04T08:00:00.000Z', finishedAt: '2026-12-04T08:00:02.500Z' }),
        stepState('train', 'Pending', { dependsOn: ['load'] })
      ])
    );
    await model.compileAndRun();
    await decorated();
    expect([2, 3, 5].map(i => node(i).dataset.cpStatus)).toEqual(['succeeded', 'succeeded', 'queued']);
    const load = banner(2)!;
    expect(load.querySelector('.cp-StepStatus-label')!.textContent).toBe('succeeded');
    expect(load.querySelector('.cp-StepHeader-duration')!.textContent).toBe('2.5 s');
    expect(load.querySelector('.cp-StepHeader-saved')!.textContent).toBe('saved: total: float (2.0 KB)');

    runStream(client, 'r1').handlers.event({
      type: 'step',
      runId: 'r1',
      step: stepState('train', 'Running', { startedAt: '2026-12-04T08:00:03.000Z' })
    });
    await decorated();
    expect(node(5).dataset.cpStatus).toBe('running');
    expect(banner(5)!.querySelector('.cp-StepStatus-label')!.textContent).toBe('running');
  });

  it("ticks a running step's time on its cell once a second, and stops when it ends", async () => {
    client.startRun.mockResolvedValue(
      runState('r1', [stepState('load', 'Running', { startedAt: new Date(Date.now() - 5000).toISOString() })], { status: 'Running' })
    );
    await model.compileAndRun();
    await decorated();
    const duration = (): HTMLElement => banner(2)!.querySelector<HTMLElement>('.cp-StepHeader-duration')!;
    expect(duration().dataset.started).toBeDefined();
    expect(elapsedClock.running).toBe(true);
    const seen = duration();
    const before = seen.textContent;
    await new Promise<void>(resolve => {
      const stop = elapsedClock.subscribe(() => {
        stop();
        resolve();
      });
    });
    expect(duration()).toBe(seen); // the same element, its text changed: no redecoration
    expect(seen.textContent).toMatch(/^\d+\.\d s$/);
    expect(Number.parseFloat(seen.textContent!)).toBeGreaterThanOrEqual(Number.parseFloat(before!));
    runStream(client, 'r1').handlers.event({
      type: 'step',
      runId: 'r1',
      step: stepState('load', 'Succeeded', { startedAt: '2026-12-04T08:00:00.000Z', finishedAt: '2026-12-04T08:00:07.000Z' })
    });
    await decorated();
    expect(elapsedClock.running).toBe(false);
    expect(duration().textContent).toBe('7.0 s');
  });

  it('puts the error of a failed step on the cell and line where it raised, and goes there on click', async () => {
    client.startRun.mockResolvedValue(runState('r1', [stepState('load', 'Succeeded'), stepState('train', 'Running')], { status: 'Running' }));
    await model.compileAndRun();
    const failure = { cell: 5, line: 2, error: "NameError: name 'modle' is not defined" };
    runStream(client, 'r1').handlers.event({
      type: 'step',
      runId: 'r1',
      step: stepState('train', 'Failed', { failure, message: `${failure.error} (<cell 5>, line 2)` })
    });
    await decorated();
    expect(node(5).dataset.cpStatus).toBe('failed');
    const items = [...node(5).querySelectorAll<HTMLElement>('.cp-Diagnostic')];
    expect(items.map(item => [item.dataset.code, item.querySelector('.cp-Diagnostic-line')!.textContent])).toEqual([['step-failed', 'line 2']]);
    expect(items[0].classList.contains('cp-mod-error')).toBe(true);
    expect(items[0].querySelector('.cp-Diagnostic-message')!.textContent).toBe(`step train failed here in the last run: ${failure.error}`);
    // Said on the cell that raised, so not repeated in the step's header.
    expect(banner(5)!.querySelector('.cp-StepHeader-message')).toBeNull();
    expect(node(2).querySelector('.cp-Diagnostic')).toBeNull();
    // Marked in the editor too, on the token at the failing line.
    expect([...node(5).querySelectorAll('.cm-lintRange-error')].map(mark => mark.textContent)).toEqual(['print']);

    items[0].querySelector<HTMLButtonElement>('.cp-Diagnostic-line')!.click();
    expect(cell(5).editor!.getCursorPosition()).toEqual({ line: 1, column: 0 });
  });

  it("shows the analysis's diagnostics on the cells they are about", async () => {
    fixture.model.cells.get(3).sharedModel.setSource('total = math.fsum(rows)\neval("total")');
    pipeline.analyze();
    await decorated();
    const expected = pipeline.analysis!.diagnostics.filter(d => d.cell === 3);
    expect(expected.length).toBeGreaterThan(0);
    const shown = [...node(3).querySelectorAll<HTMLElement>('.cp-Diagnostic')];
    expect(shown.map(item => item.dataset.code)).toEqual(expected.map(d => d.code));
    expect(shown.map(item => item.querySelector('.cp-Diagnostic-message')!.textContent)).toEqual(expected.map(d => d.message));
  });

  it('follows tag edits: a cell that stops being a step loses its marks and banner', async () => {
    fixture.model.cells.get(5).setMetadata('tags', ['skip']);
    fixture.model.cells.get(4).setMetadata('tags', ['step:clean']);
    pipeline.analyze();
    await decorated();
    expect(node(5).classList.contains('cp-mod-step')).toBe(false);
    expect(node(5).dataset.cpStep).toBeUndefined();
    expect(node(5).style.getPropertyValue('--cp-step-color')).toBe('');
    expect(banner(5)!.querySelector('.cp-StepHeader-name')).toBeNull();
    expect(node(4).dataset.cpStep).toBe('clean');
    expect(banner(4)!.querySelector('.cp-StepHeader-name')!.textContent).toBe('clean');
  });

  it('ignores runs of other notebooks', async () => {
    const other = notebookPanel([step('train', 'x = 1')], 'work/other.ipynb');
    model.setPanel(other.panel);
    client.startRun.mockResolvedValue(runState('r9', [stepState('train', 'Running')], { status: 'Running', notebookPath: 'work/other.ipynb' }));
    await model.compileAndRun();
    await decorated();
    expect(node(5).dataset.cpStatus).toBe('idle');
    other.close();
  });
});
