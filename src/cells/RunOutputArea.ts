import type * as nbformat from '@jupyterlab/nbformat';
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { caretDownIcon } from '@jupyterlab/ui-components';
import { Panel, Widget } from '@lumino/widgets';
import type { ShownCellOutputs } from '../models/NotebookRunOutputs';

export const RUN_OUTPUT_CLASS = 'cp-RunOutput';

let areas = 0;

/** A run id as the header shows it: its random tail (`train-20261204-080000-3fa9c1` → `3fa9c1`); the whole id is in the tooltip. */
export function shortRunId(runId: string): string {
  const tail = runId.split('-').pop() ?? runId;
  return tail.length >= 4 ? tail : runId.slice(-8);
}

/** `08:00:02`, in the user's locale; the text as it came when it is not a time. */
function clockTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString();
}

/**
 * One cell's outputs from a pipeline run, under the cell's own output area: a header saying where
 * they come from ("run 3fa9c1 · step train · 08:00:02", and "code changed since this run" once
 * the cell's source differs), then a read-only JupyterLab OutputArea with the notebook's
 * rendermime, so tables, figures and tracebacks render as the kernel's outputs do.
 *
 * Its OutputAreaModel is its own: the notebook's model never sees these outputs. They are trusted
 * as the outputs of the user's own kernel are: the run executed the notebook's code for the user.
 */
export class RunOutputArea extends Panel {
  readonly outputArea: OutputArea;
  private readonly header = document.createElement('div');
  private readonly toggle = document.createElement('button');
  private readonly origin = document.createElement('span');
  private readonly staleMark = document.createElement('span');
  private shown: ShownCellOutputs | null = null;

  constructor(rendermime: IRenderMimeRegistry) {
    super();
    this.addClass(RUN_OUTPUT_CLASS);
    const bodyId = `cp-RunOutput-body-${++areas}`;

    this.toggle.className = 'cp-RunOutput-toggle';
    this.toggle.type = 'button';
    this.toggle.setAttribute('aria-controls', bodyId);
    this.toggle.addEventListener('click', () => this.setCollapsed(!this.collapsed));
    // One caret, turned by CSS when folded: the header keeps its size.
    this.toggle.append(caretDownIcon.element({ tag: 'span', className: 'cp-RunOutput-caret', elementSize: 'small' }));
    this.origin.className = 'cp-RunOutput-origin';
    this.staleMark.className = 'cp-RunOutput-stale';
    this.staleMark.textContent = 'code changed since this run';
    this.staleMark.title = "The cell's code is not the code this run ran: run the pipeline again to update these outputs.";
    this.header.className = 'cp-RunOutput-header';
    this.header.append(this.toggle, this.origin, this.staleMark);
    this.addWidget(new Widget({ node: this.header }));

    this.outputArea = new OutputArea({ model: new OutputAreaModel({ trusted: true }), rendermime });
    this.outputArea.addClass('cp-RunOutput-body');
    this.outputArea.id = bodyId;
    this.addWidget(this.outputArea);
    this.setCollapsed(false);
    this.setStale(false);
  }

  get collapsed(): boolean {
    return this.hasClass('cp-mod-collapsed');
  }

  /** Folds the outputs away (the header stays), or shows them again. */
  setCollapsed(collapsed: boolean): void {
    this.toggleClass('cp-mod-collapsed', collapsed);
    this.outputArea.setHidden(collapsed);
    this.toggle.setAttribute('aria-expanded', String(!collapsed));
    this.toggle.title = collapsed ? 'Show the outputs of the pipeline run' : 'Hide the outputs of the pipeline run';
    this.toggle.setAttribute('aria-label', this.toggle.title);
  }

  get stale(): boolean {
    return this.hasClass('cp-mod-stale');
  }

  setStale(stale: boolean): void {
    this.toggleClass('cp-mod-stale', stale);
    this.staleMark.hidden = !stale;
  }

  /** Shows a cell's outputs from a run; the same record again changes nothing (no re-render, no jump). */
  setOutputs(shown: ShownCellOutputs): void {
    if (shown === this.shown) {
      return;
    }
    this.shown = shown;
    this.origin.textContent = `run ${shortRunId(shown.runId)} · step ${shown.stepName} · ${clockTime(shown.finishedAt)}`;
    this.header.title = `Outputs of pipeline run ${shown.runId}, step ${shown.stepName}, finished ${new Date(shown.finishedAt).toLocaleString()}`;
    this.node.dataset.runId = shown.runId;
    this.node.dataset.status = shown.status;
    // Cleared and filled in one task: the browser never paints the area empty in between.
    const model = this.outputArea.model;
    model.clear();
    model.fromJSON(shown.outputs as unknown as nbformat.IOutput[]);
  }

  dispose(): void {
    const model = this.outputArea.model;
    super.dispose();
    model.dispose();
  }
}
