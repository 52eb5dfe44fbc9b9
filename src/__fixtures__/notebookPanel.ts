/**
 * A notebook as the plugins see it, for jsdom specs: a real JupyterLab Notebook widget (cells,
 * editors, DOM nodes) on a real NotebookModel, attached to the document, inside a stand-in for
 * the NotebookPanel whose document context would need a Jupyter server (path, save, disposal).
 */
import { CodeMirrorEditorFactory, CodeMirrorMimeTypeService, EditorLanguageRegistry } from '@jupyterlab/codemirror';
import type { INotebookContent } from '@jupyterlab/nbformat';
import { Notebook, NotebookModel, StaticNotebook, type NotebookPanel } from '@jupyterlab/notebook';
import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { notebookJson, type CellSpec } from '../core/__fixtures__/notebookBuilder';

export interface NotebookPanelFixture {
  panel: NotebookPanel;
  notebook: Notebook;
  model: NotebookModel;
  /** The panel's `context.save`. */
  save: jest.Mock<Promise<void>, []>;
  /** Closes the panel: disposes the notebook and emits `disposed`, as JupyterLab does. */
  close(): void;
  /** Renames the notebook: the context's path changes and its `pathChanged` fires, as JupyterLab does. */
  rename(path: string): void;
}

/** What cellpipe's plugins use of a NotebookPanel. */
class NotebookPanelStandIn {
  readonly disposed = new Signal<this, void>(this);
  isDisposed = false;

  constructor(
    readonly content: Notebook,
    readonly context: { path: string; save: () => Promise<void>; isReady: boolean; ready: Promise<void>; pathChanged: Signal<unknown, string> }
  ) {}
}

const languages = new EditorLanguageRegistry();
const editors = new CodeMirrorEditorFactory({ languages });

export function notebookPanel(cells: CellSpec[], path = 'work/pipeline.ipynb', metadata: Record<string, unknown> = {}): NotebookPanelFixture {
  const model = new NotebookModel();
  model.fromJSON(notebookJson(cells, metadata) as unknown as INotebookContent);
  const notebook = new Notebook({
    rendermime: new RenderMimeRegistry({ initialFactories: standardRendererFactories }),
    contentFactory: new Notebook.ContentFactory({ editorFactory: editors.newInlineEditor }),
    mimeTypeService: new CodeMirrorMimeTypeService(languages),
    notebookConfig: { ...StaticNotebook.defaultNotebookConfig, windowingMode: 'none' }
  });
  notebook.model = model;
  Widget.attach(notebook, document.body);
  const save = jest.fn(async () => undefined);
  const context = { path, save, isReady: true, ready: Promise.resolve(), pathChanged: new Signal<unknown, string>({}) };
  const stand = new NotebookPanelStandIn(notebook, context);
  return {
    panel: stand as unknown as NotebookPanel,
    notebook,
    model,
    save,
    close: () => {
      stand.isDisposed = true;
      notebook.dispose();
      stand.disposed.emit();
    },
    rename: (next: string) => {
      context.path = next;
      context.pathChanged.emit(next);
    }
  };
}
