import type { BackendName } from './core/run/api';

/** Identifiers shared by cellpipe's plugins: one place, so commands and settings never drift. */
export const PLUGIN_ID = 'jupyterlab-cellpipe:plugin';
export const SIDEBAR_ID = 'cellpipe-sidebar';
/** Name of the cell toolbar item (schema/plugin.json `jupyter.lab.toolbars.Cell`). */
export const CELL_TOOLBAR_ITEM = 'cellpipe-step';

export namespace CommandIDs {
  export const openSidebar = 'cellpipe:open-sidebar';
  export const checkService = 'cellpipe:check-service';
  export const compileAndRun = 'cellpipe:compile-and-run';
  export const compile = 'cellpipe:compile';
  export const cancelRun = 'cellpipe:cancel-run';
  export const retryRun = 'cellpipe:retry-run';
}

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
