/** What the notebook kernel's Python says of the modules a pipeline imports (server/src/backends/local/installed_packages.py). */

export type ModuleOrigin =
  | { kind: 'stdlib' }
  | { kind: 'distribution'; name: string; version: string }
  /** A module that belongs to no installed distribution: a file beside the notebook, a folder on sys.path. */
  | { kind: 'unpackaged'; origin: string | null }
  | { kind: 'missing'; error?: string };

export interface InstalledPackages {
  /** The interpreter's version, `3.11.7`. */
  python: string;
  /** By top-level module name. */
  modules: Record<string, ModuleOrigin>;
}
