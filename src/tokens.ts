/** Identifiers shared by cellpipe's plugins: one place, so commands and settings never drift. */
export const PLUGIN_ID = 'jupyterlab-cellpipe:plugin';
export const SIDEBAR_ID = 'cellpipe-sidebar';

export namespace CommandIDs {
  export const openSidebar = 'cellpipe:open-sidebar';
  export const checkService = 'cellpipe:check-service';
}

/** User settings (schema/plugin.json). */
export interface CellpipeSettings {
  defaultBackend: 'local' | 'kubernetes' | 'kfp';
  workers: number;
  python: string;
  namespace: string;
  image: string;
  storageClass: string;
  kfpHost: string;
}
