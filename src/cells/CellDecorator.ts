import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { AnalysisResult, StepAnalysis } from '../core/analysis';
import { readTags, taggedRole, type CellPlan, type Diagnostic } from '../core/notebook';
import { elapsedClock, elapsedText } from '../models/elapsedClock';
import type { NotebookPipeline } from '../models/NotebookPipeline';
import type { SidebarModel } from '../models/SidebarModel';
import { stepColors } from '../models/stepColors';
import { formatBytes, formatSeconds, STATUS_MARKS, stepView } from '../models/stepStatus';
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

/** The tag a cell of each non-step role carries, as its badge says it. */
function roleBadge(plan: CellPlan | undefined, tags: readonly string[]): string | null {
  switch (plan?.role) {
    case 'prelude':
      return taggedRole(tags).role === 'functions' ? 'functions' : 'imports';
    case 'parameters':
      return 'pipeline-parameters';
    case 'metrics':
      return 'pipeline-metrics';
    case 'skip':
      return 'skip';
    default:
      return null;
  }
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
  private colors = new Map<string, string>();
  private stopTicking: (() => void) | null = null;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly pipeline: NotebookPipeline,
    private readonly model: SidebarModel,
    /** Opens the tag editor of a cell (the step bar's click, Enter or Space). */
    private readonly editTags: (cell: Cell) => void = () => undefined
  ) {
    pipeline.changed.connect(this.schedule, this);
    model.runChanged.connect(this.onRunChanged, this);
    panel.content.model?.cells.changed.connect(this.schedule, this);
    this.schedule();
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.stopTicking?.();
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
    this.colors = stepColors(analysis.steps.map(s => s.name));
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
    this.tickWhileRunning();
  }

  /** While a step runs, its time on its cell moves once a second (that text only, not a redecoration). */
  private tickWhileRunning(): void {
    const running = this.model.runOf(this.panel.context.path)?.steps.some(s => s.status === 'Running') ?? false;
    if (running && !this.stopTicking) {
      this.stopTicking = elapsedClock.subscribe(now => {
        this.panel.content.node.querySelectorAll<HTMLElement>('.cp-StepHeader-duration[data-started]').forEach(span => {
          span.textContent = elapsedText(span.dataset.started!, now);
        });
      });
    } else if (!running && this.stopTicking) {
      this.stopTicking();
      this.stopTicking = null;
    }
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
      node.style.setProperty('--cp-step-color', this.colors.get(step.name) ?? null);
      node.dataset.cpStep = step.name;
      node.dataset.cpStatus = view.status;
    } else {
      node.classList.remove(STEP_CLASS);
      node.style.removeProperty('--cp-step-color');
      delete node.dataset.cpStep;
      delete node.dataset.cpStatus;
    }
    const first = step && step.cells[0] === index;
    // Every code cell has its bar (markdown and raw cells never take part); others only what they must say.
    const banner = cell.model.type === 'code' || diagnostics.length ? this.banner(cell) : null;
    if (!banner) {
      node.querySelector(`:scope > .${BANNER}`)?.remove();
      return;
    }
    banner.replaceChildren();
    if (cell.model.type === 'code') {
      banner.append(this.stepBar(cell, step, first ? step : null, roleBadge(plan, readTags(cell.model.getMetadata('tags')))));
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

  /**
   * The bar above a code cell, always there: the step's colour and name (or the cell's role badge),
   * a button that opens the cell's tag editor (Tab from the cell reaches it); on a step's first
   * cell also the step's run status, time, inputs and outputs.
   */
  private stepBar(cell: Cell, step: StepAnalysis | null, first: StepAnalysis | null, badge: string | null): HTMLElement {
    const header = element('div', 'cp-StepHeader');
    const bar = element('button', 'cp-StepBar') as HTMLButtonElement;
    bar.type = 'button';
    if (step) {
      bar.classList.add('cp-mod-step');
      bar.style.setProperty('--cp-step-color', this.colors.get(step.name) ?? null);
      bar.append(element('span', 'cp-StepHeader-name', step.name));
      if (!first) {
        bar.append(element('span', 'cp-StepBar-continued', 'continued'));
      }
      bar.setAttribute('aria-label', `step ${step.name}: edit this cell's pipeline tags`);
    } else {
      bar.append(element('span', `cp-StepBar-badge${badge ? '' : ' cp-mod-untagged'}`, badge ?? 'not in a step'));
      bar.setAttribute('aria-label', `${badge ?? 'no pipeline tag'}: edit this cell's pipeline tags`);
    }
    bar.dataset.role = step ? 'step' : (badge ?? 'none');
    bar.title = "Edit the cell's pipeline tags (Enter)";
    // A mouse down would also select the cell and enter its editor: the click is the bar's.
    bar.addEventListener('mousedown', event => event.stopPropagation());
    bar.addEventListener('click', event => {
      event.stopPropagation();
      this.editTags(cell);
    });
    // Enter and Space are the notebook's shortcuts too (edit mode, run): keep them on the bar.
    bar.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        event.stopPropagation();
        this.editTags(cell);
      }
    });
    header.append(bar);
    if (first) {
      this.stepFacts(header, first);
    }
    return header;
  }

  /** On a step's first cell: its run status, time, inputs, outputs and saved values. */
  private stepFacts(header: HTMLElement, step: StepAnalysis): void {
    const run = this.model.runOf(this.panel.context.path);
    const view = stepView(run, step.name);
    if (view.status !== 'idle') {
      const status = element('span', `cp-StepStatus cp-StatusMark cp-mod-${view.status}`);
      const icon = element('span', 'cp-StatusMark-icon', STATUS_MARKS[view.status].icon);
      icon.setAttribute('aria-hidden', 'true');
      status.append(icon, element('span', 'cp-StepStatus-label', STATUS_MARKS[view.status].label));
      status.title = view.state?.message ?? '';
      header.append(status);
      if (view.seconds !== null && view.status !== 'queued') {
        const duration = element('span', 'cp-StepHeader-duration', formatSeconds(view.seconds));
        if (view.status === 'running' && view.state?.startedAt) {
          duration.dataset.started = view.state.startedAt;
        }
        header.append(duration);
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
