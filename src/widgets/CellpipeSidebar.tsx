import React from 'react';
import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import type { CompileTarget } from '../core/run/api';
import { SidebarPanel, type CompileDelivery } from '../components/SidebarPanel';
import type { SidebarModel } from '../models/SidebarModel';
import { cellpipeIcon } from '../icons';
import { SIDEBAR_ID } from '../tokens';

/** The left-area widget hosting the React sidebar; re-renders when the model changes. */
export class CellpipeSidebar extends ReactWidget {
  constructor(
    private readonly model: SidebarModel,
    private readonly onCompile: (target: CompileTarget, delivery: CompileDelivery) => void,
    private readonly onDownloadNotebook: () => void
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('cp-Sidebar');
    this.title.icon = cellpipeIcon;
    this.title.caption = 'cellpipe: notebook pipelines';
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => <SidebarPanel model={this.model} onCompile={this.onCompile} onDownloadNotebook={this.onDownloadNotebook} />}
      </UseSignal>
    );
  }
}
