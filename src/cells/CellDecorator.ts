import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { AnalysisResult, StepAnalysis } from '../core/analysis';
import type { Diagnostic } from '../core/notebook';
import type { NotebookPipeline } from '../models/NotebookPipeline';
import type { SidebarModel } from '../models/SidebarModel';
import { stepColor } from '../models/stepColors';
import { formatBytes, formatSeconds, stepView } from '../models/stepStatus';
import { showEditorMarks } from './editorMarks';

const BANNER = 'cp-CellBanner';
const STEP_CLASS = 'cp-mod-step';
const ROLE_ATTR = 'data-cp-role';

function element(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/**
 * Decorates one notebook's cells from its live analysis and watched run: each step's colour as a
 * left border, on the step's first cell its inputs/outputs and its run status, duration and saved
 * outputs, and on any cell the diagnostics about it and the line where the last run failed in it
 * (line by line; click to go to the line), also marked in the cell's editor (editorMarks.ts).
 *
 * Under notebook windowing a cell widget may be a placeholder outside the viewport: like
 * jupyterlab-execute-time, it is decorated once it is ready and again whenever it comes into view.
 */
export class CellDecorator {
  private readonly watchedCells = new WeakSet<Cell>();
  private frame = 0;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly pipeline: NotebookPipeline,
    private readonly model: SidebarModel
  ) {
    pipeline.changed.connect(this.schedule, this);
    model.runChanged.connect(this.onRunChanged, this);
    panel.content.model?.cells.changed.connect(this.schedule, this);
    this.schedule();
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.pipeline.changed.disconnect(this.schedule, this);
    this.model.runChanged.disconnect(this.onRunChanged, this);
  }

  private onRunChanged(_: SidebarModel, path: string): void {
    if (path === this.panel.context.path) {
      this.schedule();
    }
  }

  /** Decorates on the next frame, once, however many changes arrive before it. */
  private schedule(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.decorateAll());
  }

  private decorateAll(): void {
    const analysis = this.pipeline.analysis;
    if (!analysis || this.panel.isDisposed) {
      return;
    }
    const diagnostics = new Map<number, Diagnostic[]>();
    for (const d of [...analysis.diagnostics, ...this.runFailures()]) {
      if (d.cell !== null) {
        diagnostics.set(d.cell, [...(diagnostics.get(d.cell) ?? []), d]);
      }
    }
    this.panel.content.widgets.forEach((cell, index) => {
      if (!this.watchedCells.has(cell)) {
        this.watchedCells.add(cell);
        cell.inViewportChanged?.connect(() => this.schedule(), this);
        void cell.ready.then(() => this.schedule());
      }
      this.decorate(cell, index, analysis, diagnostics.get(index) ?? []);
    });
  }

  /** Where the watched run's steps raised, as errors on those cells and lines. */
  private runFailures(): Diagnostic[] {
    const run = this.model.runOf(this.panel.context.path);
    return (run?.steps ?? []).flatMap(step =>
      step.status === 'Failed' && step.failure
        ? [
            {
              severity: 'error' as const,
              code: 'step-failed',
              message: `step ${step.name} failed here in the last run: ${step.failure.error}`,
              cell: step.failure.cell,
              line: step.failure.line,
              column: 1
            }
          ]
        : []
    );
  }

  private decorate(cell: Cell, index: number, analysis: AnalysisResult, diagnostics: Diagnostic[]): void {
    const plan = analysis.plan?.cells[index];
    const step = plan?.role === 'step' && plan.step ? (analysis.steps.find(s => s.name === plan.step) ?? null) : null;
    const node = cell.node;
    node.setAttribute(ROLE_ATTR, plan?.role ?? 'text');
    showEditorMarks(cell, diagnostics);
    if (step) {
      const view = stepView(this.model.runOf(this.panel.context.path), step.name);
      node.classList.add(STEP_CLASS);
      node.style.setProperty('--cp-step-color', stepColor(step.name));
      node.dataset.cpStep = step.name;
      node.dataset.cpStatus = view.status;
    } else {
      node.classList.remove(STEP_CLASS);
      node.style.removeProperty('--cp-step-color');
      delete node.dataset.cpStep;
      delete node.dataset.cpStatus;
    }
    const first = step && step.cells[0] === index;
    const banner = first || diagnostics.length ? this.banner(cell) : null;
    if (!banner) {
      node.querySelector(`:scope > .${BANNER}`)?.remove();
      return;
    }
    banner.replaceChildren();
    if (first && step) {
      banner.append(this.stepHeader(step));
    }
    if (diagnostics.length) {
      banner.append(this.diagnosticList(cell, diagnostics));
    }
  }

  private banner(cell: Cell): HTMLElement {
    let banner = cell.node.querySelector<HTMLElement>(`:scope > .${BANNER}`);
    if (!banner) {
      banner = element('div', BANNER);
    }
    // First in the cell, also when the cell built its parts after the banner came (windowing
    // builds a cell once it nears the viewport: Lumino then inserts them before the banner).
    if (cell.node.firstElementChild !== banner) {
      cell.node.insertBefore(banner, cell.node.firstChild);
    }
    return banner;
  }

  private stepHeader(step: StepAnalysis): HTMLElement {
    const run = this.model.runOf(this.panel.context.path);
    const view = stepView(run, step.name);
    const header = element('div', 'cp-StepHeader');
    const name = element('span', 'cp-StepHeader-name', step.name);
    name.style.setProperty('--cp-step-color', stepColor(step.name));
    header.append(name);
    if (view.status !== 'idle') {
      const status = element('span', `cp-StepStatus cp-mod-${view.status}`, view.status);
      status.title = view.state?.message ?? '';
      header.append(status);
      if (view.seconds !== null && view.status !== 'queued') {
        header.append(element('span', 'cp-StepHeader-duration', formatSeconds(view.seconds)));
      }
    }
    const inputs = step.inputs.map(n => `${n} ← ${step.inputSources[n] ?? '?'}`);
    const facts: Array<[string, string[]]> = [
      ['in', [...inputs, ...step.parameters.map(p => `${p} (parameter)`)]],
      ['out', step.outputs]
    ];
    for (const [label, names] of facts) {
      if (names.length) {
        const part = element('span', `cp-StepHeader-${label}`);
        part.append(element('span', 'cp-StepHeader-key', `${label}: `), element('span', 'cp-StepHeader-names', names.join(', ')));
        header.append(part);
      }
    }
    const outputs = run && view.state ? this.model.outputsOf(run.runId, view.state.id) : undefined;
    if (outputs?.length) {
      header.append(
        element('span', 'cp-StepHeader-saved', 'saved: ' + outputs.map(o => `${o.name}: ${o.type ?? '?'} (${formatBytes(o.bytes)})`).join(', '))
      );
    }
    // Said on the cell that raised instead, when it is this one (runFailures).
    if (view.status === 'failed' && view.state?.message && view.state.failure?.cell !== step.cells[0]) {
      header.append(element('div', 'cp-StepHeader-message', view.state.message));
    }
    return header;
  }

  private diagnosticList(cell: Cell, diagnostics: Diagnostic[]): HTMLElement {
    const list = element('ul', 'cp-Diagnostics');
    for (const d of diagnostics) {
      const item = element('li', `cp-Diagnostic cp-mod-${d.severity}`);
      const go = element('button', 'cp-Diagnostic-line', `line ${d.line}`) as HTMLButtonElement;
      go.title = 'Go to the line';
      go.addEventListener('click', () => {
        cell.editor?.setCursorPosition({ line: Math.max(0, d.line - 1), column: Math.max(0, d.column - 1) });
        cell.editor?.focus();
      });
      item.dataset.code = d.code;
      item.append(go, element('span', 'cp-Diagnostic-message', d.message));
      list.append(item);
    }
    return list;
  }
}
