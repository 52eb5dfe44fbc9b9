import type { ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookModel } from '@jupyterlab/notebook';
import type { NotebookRunOutputs } from './NotebookRunOutputs';

/**
 * "Save pipeline run outputs into notebook": copies each cell's outputs from the run into the
 * cell's own outputs, with the execution count Run All would give it (the notebook is then
 * dirty: the user saves it). The run's outputs then leave the cells'
 * run output areas (cleared for that run), since the cells show them themselves. Returns how
 * many cells got outputs.
 */
export function saveRunOutputsIntoNotebook(notebook: INotebookModel, outputs: NotebookRunOutputs): number {
  let saved = 0;
  // Through each cell's output model, as a kernel's outputs go, outside any transaction of the
  // shared notebook: replacing outputs on the shared model loses a stream that follows a stream
  // (JupyterLab merges the two before it deletes the old one), and the cell model applies the
  // changes of an enclosing transaction a second time when it ends.
  for (let index = 0; index < notebook.cells.length; index++) {
    const cell = notebook.cells.get(index);
    const shown = cell.type === 'code' ? outputs.outputsOf({ id: cell.id, index }) : undefined;
    if (shown) {
      const code = cell as ICodeCellModel;
      code.outputs.clear();
      code.outputs.fromJSON(shown.outputs as unknown as nbformat.IOutput[]);
      code.executionCount = shown.executionCount;
      saved++;
    }
  }
  outputs.clear();
  return saved;
}
