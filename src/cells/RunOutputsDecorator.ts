import type { Cell, CodeCell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { PanelLayout } from '@lumino/widgets';
import { isStale, type NotebookRunOutputs } from '../models/NotebookRunOutputs';
import { RunOutputArea } from './RunOutputArea';

/**
 * Puts each code cell's outputs from the pipeline run (NotebookRunOutputs) under the cell's own
 * output area, in a RunOutputArea placed in the cell's layout (so the cell widget attaches,
 * hides and disposes it with itself), and marks it stale once the cell's source differs from
 * the source the run ran. Nothing is written to the notebook's model: the notebook stays clean.
 *
 * Updates are batched to the next animation frame. Under notebook windowing a cell's widgets may
 * not exist yet: its area is added once the cell is ready (CellDecorator does the same).
 */
export class RunOutputsDecorator {
  private readonly areas = new Map<Cell, RunOutputArea>();
  private readonly watchedCells = new WeakSet<Cell>();
  private frame = 0;
  private _visible = true;
  private disposed = false;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly outputs: NotebookRunOutputs
  ) {
    outputs.changed.connect(this.schedule, this);
    const model = panel.content.model;
    model?.cells.changed.connect(this.schedule, this);
    // Any edit may make a cell's outputs stale (or fresh again, once undone).
    model?.contentChanged.connect(this.schedule, this);
    this.schedule();
  }

  /** Whether run outputs show on the cells (the `showRunOutputs` setting). */
  get visible(): boolean {
    return this._visible;
  }

  set visible(visible: boolean) {
    if (visible !== this._visible) {
      this._visible = visible;
      this.schedule();
    }
  }

  /** The run output area of a cell, if it shows one. */
  areaOf(cell: Cell): RunOutputArea | undefined {
    return this.areas.get(cell);
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    cancelAnimationFrame(this.frame);
    this.outputs.changed.disconnect(this.schedule, this);
    const model = this.panel.content.model;
    model?.cells.changed.disconnect(this.schedule, this);
    model?.contentChanged.disconnect(this.schedule, this);
    for (const area of this.areas.values()) {
      area.dispose();
    }
    this.areas.clear();
  }

  /** Updates on the next frame, once, however many changes arrive before it. */
  private schedule(): void {
    if (this.disposed) {
      return;
    }
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.update());
  }

  private update(): void {
    if (this.disposed || this.panel.isDisposed) {
      return;
    }
    const cells = this.panel.content.widgets;
    const present = new Set(cells);
    // Areas of cells that left the notebook go with them.
    for (const [cell, area] of this.areas) {
      if (cell.isDisposed || !present.has(cell)) {
        area.dispose();
        this.areas.delete(cell);
      }
    }
    cells.forEach((cell, index) => {
      if (!this.watchedCells.has(cell)) {
        this.watchedCells.add(cell);
        void cell.ready.then(() => this.schedule());
      }
      this.updateCell(cell, index);
    });
  }

  private updateCell(cell: Cell, index: number): void {
    const shown = this._visible && cell.model.type === 'code' ? this.outputs.outputsOf({ id: cell.model.id, index }) : undefined;
    let area = this.areas.get(cell);
    if (!shown) {
      if (area) {
        area.dispose();
        this.areas.delete(cell);
      }
      return;
    }
    if (!area) {
      area = this.insertArea(cell as CodeCell);
      if (!area) {
        return; // not rendered yet (windowing): done when it is ready
      }
    }
    placeAfterOutputs(cell as CodeCell, area);
    area.setOutputs(shown);
    area.setStale(isStale(shown, cell.model.sharedModel.getSource()));
  }

  /** A new area right after the cell's own output area (before its footer); none while the cell is a placeholder. */
  private insertArea(cell: CodeCell): RunOutputArea | undefined {
    const layout = cell.layout as PanelLayout | null;
    const outputWrapper = cell.outputArea?.parent;
    const at = layout && outputWrapper ? layout.widgets.indexOf(outputWrapper) : -1;
    if (at < 0) {
      return undefined;
    }
    const area = new RunOutputArea(this.panel.content.rendermime);
    layout!.insertWidget(at + 1, area);
    this.areas.set(cell, area);
    return area;
  }
}

/**
 * Keeps an area's node right after the cell's own outputs. Lumino places a widget's node by its
 * index among the cell node's children, which nodes of other decorations (CellDecorator's
 * banner, other extensions') shift.
 */
function placeAfterOutputs(cell: CodeCell, area: RunOutputArea): void {
  const outputWrapper = cell.outputArea?.parent?.node;
  if (outputWrapper && area.node.previousElementSibling !== outputWrapper) {
    outputWrapper.after(area.node);
  }
}
