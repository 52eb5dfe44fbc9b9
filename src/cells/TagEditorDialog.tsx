import React from 'react';
import type { Cell } from '@jupyterlab/cells';
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import type { NotebookPipeline } from '../models/NotebookPipeline';
import { LiveCellTools, renameStep } from './CellToolbarEditor';

/**
 * The cell's tag editor (role, step name, step configuration) in a dialog, opened from the step bar
 * above the cell: it works whatever the cell toolbar shows. Edits apply as they are made.
 */
export async function editCellTags(cell: Cell, pipeline: NotebookPipeline | null): Promise<void> {
  const body = ReactWidget.create(<LiveCellTools cell={cell} pipelineOf={() => pipeline} />);
  body.addClass('cp-TagEditorDialog');
  // Enter in the name field closes the dialog before the field's own Enter, and the dialog's body
  // is gone when it closes: keep what is typed, to apply it after.
  let typedName: string | null = null;
  body.node.addEventListener('input', event => {
    const field = event.target as HTMLInputElement;
    if (field.classList.contains('cp-CellTools-name')) {
      typedName = field.value;
    }
  });
  await showDialog({
    title: 'Pipeline tags of this cell',
    body,
    buttons: [Dialog.okButton({ label: 'Done' })],
    focusNodeSelector: '.cp-CellTools-role'
  });
  if (typedName !== null) {
    renameStep(cell, typedName);
  }
  // Back to the cell, in command mode, where Tab left from.
  cell.node.focus();
}
