import type { ICellModel } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { IObservableList } from '@jupyterlab/observables';
import { ISignal, Signal } from '@lumino/signaling';
import { Analyzer, type AnalysisResult, type StepAnalysis } from '../core/analysis';
import { readTags, type CellType, type Notebook } from '../core/notebook';

/** Delay between the last keystroke and the analysis it triggers. */
export const ANALYSIS_DEBOUNCE_MS = 150;

/** The notebook as the core reads it, straight from the live model (no outputs, no JSON round trip). */
export function coreNotebook(panel: NotebookPanel): Notebook {
  const model = panel.content.model!;
  const cells: Notebook['cells'] = [];
  for (let index = 0; index < model.cells.length; index++) {
    const cell = model.cells.get(index);
    cells.push({
      index,
      id: cell.id ?? null,
      cellType: cell.type as CellType,
      source: cell.sharedModel.getSource(),
      tags: readTags(cell.getMetadata('tags'))
    });
  }
  return { nbformat: 4, nbformatMinor: 5, cells, metadata: model.metadata as Record<string, unknown> };
}

/**
 * The live pipeline of one open notebook: one incremental Analyzer, re-run ~150 ms after the last
 * change to a cell's source or tags, or to the notebook's metadata.
 */
export class NotebookPipeline {
  private readonly analyzer = new Analyzer({ defaultStepName: 'main' });
  private timer: ReturnType<typeof setTimeout> | undefined;
  private _analysis: AnalysisResult | null = null;
  private readonly _changed = new Signal<this, AnalysisResult>(this);
  private disposed = false;

  constructor(readonly panel: NotebookPanel) {
    const model = panel.content.model!;
    model.contentChanged.connect(this.schedule, this);
    model.metadataChanged.connect(this.schedule, this);
    model.cells.changed.connect(this.onCellsChanged, this);
    for (let i = 0; i < model.cells.length; i++) {
      model.cells.get(i).metadataChanged.connect(this.schedule, this);
    }
    this.analyze();
  }

  get changed(): ISignal<this, AnalysisResult> {
    return this._changed;
  }

  get analysis(): AnalysisResult | null {
    return this._analysis;
  }

  get path(): string {
    return this.panel.context.path;
  }

  /** Step names in notebook order. */
  get stepNames(): string[] {
    return this._analysis?.steps.map(s => s.name) ?? [];
  }

  stepOfCell(index: number): StepAnalysis | null {
    const name = this._analysis?.plan?.cells[index]?.step;
    return name ? (this._analysis!.steps.find(s => s.name === name) ?? null) : null;
  }

  /** Analyses now (commands call it before compiling so they see the latest text). */
  analyze(): AnalysisResult {
    clearTimeout(this.timer);
    this.timer = undefined;
    this._analysis = this.analyzer.analyzeNotebook(coreNotebook(this.panel));
    this._changed.emit(this._analysis);
    return this._analysis;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    Signal.clearData(this);
  }

  private schedule(): void {
    if (this.disposed) {
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.analyze(), ANALYSIS_DEBOUNCE_MS);
  }

  private onCellsChanged(_: unknown, change: IObservableList.IChangedArgs<ICellModel>): void {
    for (const cell of change.newValues) {
      cell.metadataChanged.connect(this.schedule, this);
    }
    this.schedule();
  }
}
