import type { BackendName } from './core/run/api';

/** Identifiers shared by cellpipe's plugins: one place, so commands and settings never drift. */
export const PLUGIN_ID = 'jupyterlab-cellpipe:plugin';
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
  retryRun: 'cellpipe:retry-run'
} as const;

/** User settings (schema/plugin.json). */
export interface CellpipeSettings {
  defaultBackend: BackendName;
  workers: number;
  python: string;
  namespace: string;
  image: string;
  storageClass: string;
  kfpHost: string;
}
