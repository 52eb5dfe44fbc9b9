import type { Contents } from '@jupyterlab/services';
import fanOut from '../../examples/fan-out.ipynb';
import trainPipeline from '../../examples/train_pipeline.ipynb';

/** A notebook of examples/, shipped inside the labextension (as text: webpack.config.js). */
export interface ExampleNotebook {
  fileName: string;
  title: string;
  text: string;
}

/** The examples the Launcher offers, as examples/ holds them. */
export const EXAMPLE_NOTEBOOKS: readonly ExampleNotebook[] = [
  { fileName: 'train_pipeline.ipynb', title: 'Train a model (pipeline example)', text: trainPipeline },
  { fileName: 'fan-out.ipynb', title: 'Cross-validate in parallel (fan-out example)', text: fanOut }
];

/** `name.ipynb`, else `name-1.ipynb`, `name-2.ipynb`...: the first name not in `taken`. */
export function copyName(fileName: string, taken: ReadonlySet<string>): string {
  const dot = fileName.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ''];
  let name = fileName;
  for (let n = 1; taken.has(name); n++) {
    name = `${stem}-${n}${extension}`;
  }
  return name;
}

/** Writes a copy of an example into a folder of the Jupyter root, under a name not yet used there; returns its path. */
export async function copyExample(contents: Contents.IManager, example: ExampleNotebook, folder: string): Promise<string> {
  const listing = await contents.get(folder, { content: true, type: 'directory' });
  const taken = new Set((listing.content as Contents.IModel[]).map(item => item.name));
  const name = copyName(example.fileName, taken);
  const path = folder ? `${folder.replace(/\/+$/, '')}/${name}` : name;
  await contents.save(path, { type: 'notebook', format: 'json', content: JSON.parse(example.text) });
  return path;
}
