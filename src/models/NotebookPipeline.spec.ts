/** @jest-environment jsdom */
import { notebookPanel, type NotebookPanelFixture } from '../__fixtures__/notebookPanel';
import { step } from '../core/__fixtures__/notebookBuilder';
import { ANALYSIS_DEBOUNCE_MS, NotebookPipeline, coreNotebook } from './NotebookPipeline';

describe('NotebookPipeline', () => {
  let fixture: NotebookPanelFixture;
  let pipeline: NotebookPipeline;

  beforeEach(() => {
    jest.useFakeTimers();
    fixture = notebookPanel([{ markdown: '# Churn' }, step('load', 'rows = [1, 2, 3]'), step('train', 'model = sum(rows)'), 'print(model)']);
    pipeline = new NotebookPipeline(fixture.panel);
  });

  afterEach(() => {
    pipeline.dispose();
    fixture.close();
    jest.useRealTimers();
  });

  it('analyses the notebook as soon as it is created', () => {
    expect(pipeline.path).toBe('work/pipeline.ipynb');
    expect(pipeline.stepNames).toEqual(['load', 'train']);
    const train = pipeline.analysis!.steps.find(s => s.name === 'train')!;
    expect(train.inputs).toEqual(['rows']);
    expect(train.inputSources).toEqual({ rows: 'load' });
    expect(train.cells).toEqual([2, 3]);
  });

  it('tells which step a cell belongs to', () => {
    expect(pipeline.stepOfCell(0)).toBeNull();
    expect(pipeline.stepOfCell(1)?.name).toBe('load');
    expect(pipeline.stepOfCell(3)?.name).toBe('train');
  });

  it('re-analyses once, after the debounce, however many edits come before it', () => {
    const analyses = jest.fn();
    pipeline.changed.connect(analyses);
    const cell = fixture.model.cells.get(3);
    cell.sharedModel.setSource('print(model)\nscore = model * 2');
    cell.setMetadata('tags', ['step:report']);
    expect(analyses).not.toHaveBeenCalled();
    jest.advanceTimersByTime(ANALYSIS_DEBOUNCE_MS);
    expect(analyses).toHaveBeenCalledTimes(1);
    expect(pipeline.stepNames).toEqual(['load', 'train', 'report']);
    const report = pipeline.analysis!.steps.find(s => s.name === 'report')!;
    expect(report.inputSources).toEqual({ model: 'train' });
  });

  it('follows the tags of cells inserted after it started', () => {
    fixture.model.sharedModel.insertCell(4, { cell_type: 'code', source: 'total = model + 1' });
    jest.advanceTimersByTime(ANALYSIS_DEBOUNCE_MS);
    expect(pipeline.stepOfCell(4)?.name).toBe('train');
    fixture.model.cells.get(4).setMetadata('tags', ['step:extra']);
    jest.advanceTimersByTime(ANALYSIS_DEBOUNCE_MS);
    expect(pipeline.stepOfCell(4)?.name).toBe('extra');
  });

  it('re-analyses when the notebook metadata changes', () => {
    const analyses = jest.fn();
    pipeline.changed.connect(analyses);
    fixture.model.setMetadata('cellpipe', { pipelineName: 'churn' });
    jest.advanceTimersByTime(ANALYSIS_DEBOUNCE_MS);
    expect(analyses).toHaveBeenCalledTimes(1);
  });

  it('analyses at once on request, dropping the pending debounce', () => {
    const analyses = jest.fn();
    pipeline.changed.connect(analyses);
    fixture.model.cells.get(2).setMetadata('tags', ['step:fit']);
    expect(pipeline.analyze().steps.map(s => s.name)).toEqual(['load', 'fit']);
    jest.advanceTimersByTime(ANALYSIS_DEBOUNCE_MS);
    expect(analyses).toHaveBeenCalledTimes(1);
  });

  it('stops analysing once disposed', () => {
    const analyses = jest.fn();
    pipeline.changed.connect(analyses);
    pipeline.dispose();
    fixture.model.cells.get(2).setMetadata('tags', ['step:fit']);
    jest.advanceTimersByTime(ANALYSIS_DEBOUNCE_MS);
    expect(analyses).not.toHaveBeenCalled();
    expect(pipeline.stepNames).toEqual(['load', 'train']);
  });
});

describe('coreNotebook', () => {
  it('reads the live cells, keeping only the string tags', () => {
    const fixture = notebookPanel([{ markdown: 'intro' }, step('a', 'x = 1', 'hide-input')]);
    fixture.model.cells.get(1).setMetadata('tags', ['step:a', 7, 'hide-input']);
    const notebook = coreNotebook(fixture.panel);
    expect(notebook.cells.map(c => [c.index, c.cellType, c.source, c.tags])).toEqual([
      [0, 'markdown', 'intro', []],
      [1, 'code', 'x = 1', ['step:a', 'hide-input']]
    ]);
    fixture.close();
  });
});
