import { Token } from '@lumino/coreutils';
import type { BackendName } from './core/run/api';
import type { SidebarModel } from './models/SidebarModel';

/** Identifiers shared by cellpipe's plugins: one place, so commands and settings never drift. */
export const PLUGIN_ID = 'jupyterlab-cellpipe:plugin';
/** The plugin that shows each cell's outputs from pipeline runs (its settings are PLUGIN_ID's). */
export const RUN_OUTPUTS_PLUGIN_ID = 'jupyterlab-cellpipe:run-outputs';
/** The plugin that puts the example notebooks in the Launcher. */
export const EXAMPLES_PLUGIN_ID = 'jupyterlab-cellpipe:examples';
export const SIDEBAR_ID = 'cellpipe-sidebar';
/** Name of the cell toolbar item (schema/plugin.json `jupyter.lab.toolbars.Cell`). */
export const CELL_TOOLBAR_ITEM = 'cellpipe-step';

/** Command ids (a plain object, not a namespace: `Object.values` lists them all). */
export const CommandIDs = {
  openSidebar: 'cellpipe:open-sidebar',
  checkService: 'cellpipe:check-service',
  compileAndRun: 'cellpipe:compile-and-run',
  compile: 'cellpipe:compile',
  cancelRun: 'cellpipe:cancel-run',
  retryRun: 'cellpipe:retry-run',
  downloadExecutedNotebook: 'cellpipe:download-executed-notebook',
  clearRunOutputs: 'cellpipe:clear-run-outputs',
  saveRunOutputs: 'cellpipe:save-run-outputs',
  toggleRunOutputs: 'cellpipe:toggle-run-outputs',
  compareRuns: 'cellpipe:compare-runs',
  sweep: 'cellpipe:sweep',
  openExample: 'cellpipe:open-example'
} as const;

/** The state behind cellpipe's UI (the notebooks' pipelines and the runs they show), for cellpipe's other plugins. */
export const ICellpipeModel = new Token<SidebarModel>('jupyterlab-cellpipe:model', "cellpipe's notebooks, their pipelines and the runs they show");

/** User settings (schema/plugin.json). */
export interface CellpipeSettings {
  defaultBackend: BackendName;
  workers: number;
  python: string;
  namespace: string;
  image: string;
  storageClass: string;
  kfpHost: string;
  /** Whether each cell shows its outputs from the notebook's pipeline run. */
  showRunOutputs: boolean;
}
