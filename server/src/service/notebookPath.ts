import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { HttpError } from './httpError';

export interface ResolvedNotebook {
  /** Absolute path on disk, symlinks resolved. */
  absolute: string;
  /** Path relative to the Jupyter root, with '/' separators: what the UI and run history use. */
  relative: string;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Resolves a notebook path sent by the UI (relative to the Jupyter root, as JupyterLab names files)
 * and refuses anything that leaves the root: absolute paths and NUL bytes (400), `..` escapes and
 * symlinks pointing outside (403). The file must exist and be an .ipynb (404/400).
 */
export function resolveNotebookPath(root: string, path: unknown): ResolvedNotebook {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new HttpError(400, "'path' must be the notebook's path relative to the Jupyter root");
  }
  if (path.includes('\0') || isAbsolute(path) || /^[a-zA-Z]:[\\/]/.test(path)) {
    throw new HttpError(400, `'${path}' is not a relative path: give the notebook's path relative to the Jupyter root`);
  }
  if (!/\.ipynb$/i.test(path)) {
    throw new HttpError(400, `'${path}' is not a notebook (.ipynb)`);
  }
  const realRoot = realpathSync(root);
  const lexical = resolve(realRoot, path);
  if (!inside(realRoot, lexical)) {
    throw new HttpError(403, `'${path}' is outside the Jupyter root`);
  }
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch {
    throw new HttpError(404, `no notebook '${path}' under the Jupyter root`);
  }
  if (!inside(realRoot, real)) {
    throw new HttpError(403, `'${path}' leads outside the Jupyter root (a symbolic link)`);
  }
  if (!statSync(real).isFile()) {
    throw new HttpError(400, `'${path}' is not a file`);
  }
  return { absolute: real, relative: relative(realRoot, lexical).split(sep).join('/') };
}
