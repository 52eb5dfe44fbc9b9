import React from 'react';
import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import type { Message } from '@lumino/messaging';
import type { CompileTarget } from '../core/run/api';
import { SidebarPanel, SWEEP_SECTION, type CompileDelivery } from '../components/SidebarPanel';
import type { SidebarModel } from '../models/SidebarModel';
import { cellpipeIcon } from '../icons';
import { SIDEBAR_ID } from '../tokens';

/** Where focus goes when the panel opens: "Compile and run", else the panel's first control. */
const FIRST_CONTROLS = ['.cp-RunButton', 'button, [href], input, select, [tabindex]:not([tabindex="-1"])'];

/**
 * The left-area widget hosting the React sidebar; re-renders when the model changes. It is its own
 * scroll container (the wheel, and the keyboard once anything in it has focus), and opening it
 * moves focus into it.
 */
export class CellpipeSidebar extends ReactWidget {
  constructor(
    private readonly model: SidebarModel,
    private readonly onCompile: (target: CompileTarget, delivery: CompileDelivery) => void,
    private readonly onDownloadNotebook: () => void,
    private readonly onCompare: (path: string, runIds: string[], sweepId?: string) => void
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('cp-Sidebar');
    this.node.tabIndex = -1; // focusable by script and click, so the keys scroll it
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'cellpipe pipeline');
    this.title.icon = cellpipeIcon;
    this.title.caption = 'cellpipe: notebook pipelines';
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => <SidebarPanel model={this.model} onCompile={this.onCompile} onDownloadNotebook={this.onDownloadNotebook} onCompare={this.onCompare} />}
      </UseSignal>
    );
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    // React may not have drawn the panel yet when the shell activates it.
    void this.renderPromise?.then(() => this.focusFirstControl());
    this.focusFirstControl();
  }

  /** Opens the sweep section and puts focus in its first field (the panel must be shown first). */
  async openSweepForm(): Promise<void> {
    await this.renderPromise;
    // The command palette gives focus back to the widget it was opened from as it closes, through
    // Lumino's message loop (an animation frame): focus moves after that.
    await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve)));
    const section = this.node.querySelector<HTMLDetailsElement>(`details.${SWEEP_SECTION}`);
    if (section) {
      section.open = true;
      section.scrollIntoView({ block: 'nearest' });
      section.querySelector<HTMLElement>('input, button')?.focus();
    }
  }

  private focusFirstControl(): void {
    if (this.isVisible && !this.node.contains(document.activeElement)) {
      const target = FIRST_CONTROLS.map(selector => this.node.querySelector<HTMLElement>(selector)).find(Boolean);
      (target ?? this.node).focus();
    }
  }
}
