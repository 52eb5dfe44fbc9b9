import type { Contents } from '@jupyterlab/services';
import type { CompileResult } from '../core/run/api';
import { offerDownload } from './offerDownload';

/** Where compiled files go next to a notebook: one file for Argo/KFP, a folder for step scripts. */
export function compiledPath(notebookPath: string, result: CompileResult): string {
  const stem = notebookPath.replace(/\.ipynb$/i, '');
  return result.target === 'scripts' ? `${stem}.steps` : `${stem}.${result.target}.yaml`;
}

/** Saves compiled files through Jupyter's contents API; returns the path written. */
export async function saveCompiled(contents: Contents.IManager, notebookPath: string, result: CompileResult): Promise<string> {
  const path = compiledPath(notebookPath, result);
  if (result.target !== 'scripts') {
    await contents.save(path, { type: 'file', format: 'text', content: result.files[0].content });
    return path;
  }
  // Folders first (the runtime file is `_cellpipe/cellpipe_runtime.py`): the contents API makes none itself.
  const folders = new Set([path]);
  for (const file of result.files) {
    const parts = file.name.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      folders.add(`${path}/${parts.slice(0, depth).join('/')}`);
    }
  }
  for (const folder of folders) {
    await contents.save(folder, { type: 'directory' });
  }
  for (const file of result.files) {
    await contents.save(`${path}/${file.name}`, { type: 'file', format: 'text', content: file.content });
  }
  return path;
}

/** Offers the compiled file(s) as browser downloads; returns the names they are offered under. */
export function downloadCompiled(notebookPath: string, result: CompileResult): string[] {
  const files =
    result.target === 'scripts' ? result.files : [{ name: compiledPath(notebookPath, result).split('/').pop()!, content: result.files[0].content }];
  return files.map(file => {
    const name = file.name.split('/').pop()!;
    offerDownload(name, file.content);
    return name;
  });
}
