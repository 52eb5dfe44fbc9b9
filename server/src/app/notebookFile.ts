import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CellpipeError } from '../errors';

/** A notebook on disk, and the path under which runs and compiled files name it. */
export interface NotebookFile {
  /** Absolute path on disk (for the service: symlinks resolved). */
  absolute: string;
  /** Path relative to the folder it was given from (the CLI's working folder, the Jupyter root), with '/' separators. */
  relative: string;
}

/** A notebook path given on the command line, relative to `folder` (the working folder) or absolute. */
export function notebookInFolder(folder: string, path: string): NotebookFile {
  const absolute = resolve(folder, path);
  return { absolute, relative: relative(folder, absolute).split(sep).join('/') || path };
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/**
 * A notebook path sent by the UI (relative to the Jupyter root, as JupyterLab names files). Refuses
 * anything that leaves the root: absolute paths and NUL bytes ('invalid'), `..` escapes and symlinks
 * pointing outside ('forbidden'). The file must exist ('not-found') and be an .ipynb.
 */
export function notebookUnderRoot(root: string, path: unknown): NotebookFile {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new CellpipeError('invalid', "'path' must be the notebook's path relative to the Jupyter root");
  }
  if (path.includes('\0') || isAbsolute(path) || /^[a-zA-Z]:[\\/]/.test(path)) {
    throw new CellpipeError('invalid', `'${path}' is not a relative path: give the notebook's path relative to the Jupyter root`);
  }
  if (!/\.ipynb$/i.test(path)) {
    throw new CellpipeError('invalid', `'${path}' is not a notebook (.ipynb)`);
  }
  const realRoot = realpathSync(root);
  const lexical = resolve(realRoot, path);
  if (!inside(realRoot, lexical)) {
    throw new CellpipeError('forbidden', `'${path}' is outside the Jupyter root`);
  }
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch {
    throw new CellpipeError('not-found', `no notebook '${path}' under the Jupyter root`);
  }
  if (!inside(realRoot, real)) {
    throw new CellpipeError('forbidden', `'${path}' leads outside the Jupyter root (a symbolic link)`);
  }
  if (!statSync(real).isFile()) {
    throw new CellpipeError('invalid', `'${path}' is not a file`);
  }
  return { absolute: real, relative: relative(realRoot, lexical).split(sep).join('/') };
}

/** The notebook's text, or an error that says why it cannot be read. */
export function readNotebookText(file: NotebookFile): string {
  try {
    return readFileSync(file.absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new CellpipeError(code === 'ENOENT' ? 'not-found' : 'invalid', `cannot read ${file.relative}: ${reason}`);
  }
}
