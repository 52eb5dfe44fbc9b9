/** @jest-environment jsdom */
import type { Cell, CodeCell } from '@jupyterlab/cells';
import type { PanelLayout } from '@lumino/widgets';
import { CellpipeClient } from '../api/client';
import { mockedClient } from '../__fixtures__/cellpipeClient';
import { notebookPanel, type NotebookPanelFixture } from '../__fixtures__/notebookPanel';
import { cellOutputsReply, cellRecord, stdout } from '../__fixtures__/runCellOutputs';
import { runState, stepState } from '../__fixtures__/runStates';
import { step } from '../core/__fixtures__/notebookBuilder';
import type { RunCellOutputs } from '../core/run/cellOutputs';
import { clearedInMemory } from '../models/clearedRunOutputs';
import { NotebookRunOutputs } from '../models/NotebookRunOutputs';
import { SidebarModel } from '../models/SidebarModel';
import { RunOutputsDecorator } from './RunOutputsDecorator';

jest.mock('../api/client');

const RUN = 'pipeline-20261204-080000-3fa9c1';
const LOAD = 'import pandas as pd\nframe = pd.DataFrame({"a": [1, 2]})\nprint("rows", len(frame))';
const FRAME = 'frame';
const PLOT = 'plot(frame)';
const BOOM = 'raise ValueError("no")';
/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const TRACEBACK = [
  '\u001b[0;31mValueError\u001b[0m                                Traceback (most recent call last)',
  '\u001b[0;31mValueError\u001b[0m: no'
];

const CELLS: RunCellOutputs[] = [
  cellRecord(1, 'load', { source: LOAD, outputs: [stdout('rows 2\n')] }),
  cellRecord(2, 'load', {
    source: FRAME,
    executionCount: 3,
    outputs: [
      {
        output_type: 'execute_result',
        execution_count: null,
        metadata: {},
        data: {
          'text/plain': '   a\n0  1\n1  2',
          'text/html': '<table class="dataframe"><tr><th>a</th></tr><tr><td>1</td></tr><tr><td>2</td></tr></table>'
        }
      }
    ]
  }),
  cellRecord(4, 'plot', {
    source: PLOT,
    outputs: [{ output_type: 'display_data', metadata: {}, data: { 'image/png': PNG, 'text/plain': '<Figure size 640x480 with 1 Axes>' } }]
  }),
  cellRecord(5, 'plot', {
    source: BOOM,
    status: 'error',
    outputs: [{ output_type: 'error', ename: 'ValueError', evalue: 'no', traceback: TRACEBACK }]
  })
];

/** Lets pending promise callbacks run, then the decorator's next animation frame. */
async function decorated(): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, 0));
  await new Promise(resolve => requestAnimationFrame(resolve));
}

describe('RunOutputsDecorator', () => {
  let client: jest.Mocked<CellpipeClient>;
  let sidebar: SidebarModel;
  let fixture: NotebookPanelFixture;
  let outputs: NotebookRunOutputs;
  let decorator: RunOutputsDecorator;
  /** Changes to the notebook's content since it was loaded. */
  let edits: jest.Mock;

  const cell = (index: number): Cell => fixture.notebook.widgets[index];
  const area = (index: number): HTMLElement | null => cell(index).node.querySelector('.cp-RunOutput');

  beforeEach(async () => {
    client = mockedClient();
    client.runs.mockResolvedValue([runState(RUN, [stepState('load', 'Succeeded'), stepState('plot', 'Failed')], { status: 'Failed' })]);
    client.cellOutputs.mockResolvedValue(cellOutputsReply(RUN, CELLS));
    sidebar = new SidebarModel(client);
    fixture = notebookPanel([{ markdown: '# Frames' }, step('load', LOAD), FRAME, { markdown: 'A figure' }, step('plot', PLOT), BOOM]);
    fixture.model.dirty = false; // as a notebook just opened
    edits = jest.fn();
    fixture.model.contentChanged.connect(edits);
    // A node another decoration put first in a cell (as CellDecorator's banner is), once the cell is built.
    await fixture.notebook.widgets[1].ready;
    fixture.notebook.widgets[1].node.prepend(Object.assign(document.createElement('div'), { className: 'other-decoration' }));
    outputs = new NotebookRunOutputs(client, sidebar, () => fixture.panel.context.path, clearedInMemory());
    decorator = new RunOutputsDecorator(fixture.panel, outputs);
    sidebar.setPanel(fixture.panel);
    await decorated();
    await decorated();
  });

  afterEach(() => {
    decorator.dispose();
    outputs.dispose();
    sidebar.dispose();
    fixture.close();
  });

  it("puts the run's outputs under each code cell's own output area, and none on other cells", () => {
    expect([0, 1, 2, 3, 4, 5].map(i => area(i) !== null)).toEqual([false, true, true, false, true, true]);
    const layout = cell(1).layout as PanelLayout;
    const own = (cell(1) as CodeCell).outputArea.parent!;
    expect(layout.widgets.indexOf(decorator.areaOf(cell(1))!)).toBe(layout.widgets.indexOf(own) + 1);
    // ...and on the page, whatever other decorations added to the cell.
    expect(area(1)!.previousElementSibling).toBe(own.node);
    expect(area(2)!.previousElementSibling).toBe((cell(2) as CodeCell).outputArea.parent!.node);
    expect(area(1)!.querySelector('.cp-RunOutput-origin')!.textContent).toMatch(/^run 3fa9c1 · step load · \S/);
    expect(area(1)!.querySelector('.cp-RunOutput-header')!.getAttribute('title')).toContain(RUN);
    expect(area(1)!.querySelector('.jp-OutputArea-output')!.textContent).toBe('rows 2\n');
  });

  it("renders tables, figures and tracebacks with the notebook's renderers", () => {
    const table = area(2)!.querySelector('.jp-RenderedHTMLCommon table');
    expect(table?.querySelectorAll('td')).toHaveLength(2);
    expect(area(2)!.querySelector('.jp-OutputPrompt')!.textContent).toBe('[3]:');
    const image = area(4)!.querySelector<HTMLImageElement>('.jp-RenderedImage img');
    expect(image?.src).toBe(`data:image/png;base64,${PNG}`);
    const traceback = area(5)!.querySelector('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]');
    expect(traceback?.textContent).toContain('ValueError: no');
    expect(traceback?.querySelector('.ansi-red-fg')?.textContent).toBe('ValueError');
    expect(area(5)!.dataset.status).toBe('error');
  });

  it("never touches the notebook's model: no outputs, no execution counts, not dirty", () => {
    for (const index of [1, 2, 4, 5]) {
      const model = (cell(index) as CodeCell).model;
      expect(model.outputs.length).toBe(0);
      expect(model.executionCount).toBeNull();
    }
    expect(edits).not.toHaveBeenCalled();
    expect(fixture.model.dirty).toBe(false);
  });

  it('marks a cell stale once its code differs from what the run ran, and fresh again when it is put back', async () => {
    expect(area(2)!.querySelector<HTMLElement>('.cp-RunOutput-stale')!.hidden).toBe(true);
    cell(2).model.sharedModel.setSource('frame.head(1)');
    await decorated();
    expect(area(2)!.classList.contains('cp-mod-stale')).toBe(true);
    expect(area(2)!.querySelector<HTMLElement>('.cp-RunOutput-stale')!.hidden).toBe(false);
    expect(area(2)!.querySelector('.cp-RunOutput-stale')!.textContent).toBe('code changed since this run');
    expect(area(1)!.classList.contains('cp-mod-stale')).toBe(false);
    cell(2).model.sharedModel.setSource(FRAME);
    await decorated();
    expect(area(2)!.classList.contains('cp-mod-stale')).toBe(false);
  });

  it('keeps the rendered outputs when the same record comes again, and renders a new one in place', async () => {
    const rendered = area(1)!.querySelector('.jp-OutputArea-output');
    client.cellOutputs.mockResolvedValue(cellOutputsReply(RUN, CELLS));
    await sidebar.selectRun(RUN);
    await decorated();
    expect(area(1)!.querySelector('.jp-OutputArea-output')).toBe(rendered);

    client.run.mockResolvedValue(runState('r2', [stepState('load', 'Succeeded')], { status: 'Succeeded' }));
    client.cellOutputs.mockResolvedValue(cellOutputsReply('r2', [cellRecord(1, 'load', { source: LOAD, outputs: [stdout('rows 3\n')] })]));
    await sidebar.selectRun('r2');
    await decorated();
    expect(area(1)!.querySelector('.jp-OutputArea-output')!.textContent).toBe('rows 3\n');
    expect(area(1)!.dataset.runId).toBe('r2');
    expect(area(2)).toBeNull();
  });

  it('removes them when they are cleared, and while the setting hides them', async () => {
    decorator.visible = false;
    await decorated();
    expect(fixture.notebook.node.querySelectorAll('.cp-RunOutput')).toHaveLength(0);
    decorator.visible = true;
    await decorated();
    expect(fixture.notebook.node.querySelectorAll('.cp-RunOutput')).toHaveLength(4);
    outputs.clear();
    await decorated();
    expect(fixture.notebook.node.querySelectorAll('.cp-RunOutput')).toHaveLength(0);
  });

  it('folds the outputs away with a button that says whether they show', () => {
    const toggle = area(4)!.querySelector<HTMLButtonElement>('.cp-RunOutput-toggle')!;
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(area(4)!.querySelector(`#${toggle.getAttribute('aria-controls')}`)).not.toBeNull();
    toggle.click();
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(area(4)!.querySelector('.cp-RunOutput-body')!.classList.contains('lm-mod-hidden')).toBe(true);
    expect(area(4)!.querySelector('.cp-RunOutput-header')).not.toBeNull();
    toggle.click();
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
  });

  it('takes its area away when its cell is deleted', async () => {
    fixture.model.sharedModel.deleteCell(2);
    await decorated();
    expect(fixture.notebook.node.querySelectorAll('.cp-RunOutput')).toHaveLength(3);
  });
});
