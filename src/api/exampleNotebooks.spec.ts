import type { Contents } from '@jupyterlab/services';
import { copyExample, copyName, EXAMPLE_NOTEBOOKS } from './exampleNotebooks';

/** The contents API as far as copying uses it: a folder's listing and saving a file, over a map of paths. */
function contentsOf(files: Record<string, unknown>): Contents.IManager & { files: Record<string, unknown> } {
  return {
    files,
    get: async (folder: string, options?: Contents.IFetchOptions) => {
      expect(options).toEqual({ content: true, type: 'directory' });
      const prefix = folder ? `${folder}/` : '';
      const names = Object.keys(files)
        .filter(path => path.startsWith(prefix) && !path.slice(prefix.length).includes('/'))
        .map(path => ({ name: path.slice(prefix.length), path }));
      return { name: folder, path: folder, type: 'directory', content: names } as unknown as Contents.IModel;
    },
    save: async (path: string, options?: Partial<Contents.IModel>) => {
      expect(options?.type).toBe('notebook');
      expect(options?.format).toBe('json');
      files[path] = options?.content;
      return { path } as Contents.IModel;
    }
  } as unknown as Contents.IManager & { files: Record<string, unknown> };
}

describe('copyName', () => {
  it('keeps the name while it is free, else numbers it', () => {
    expect(copyName('train.ipynb', new Set())).toBe('train.ipynb');
    expect(copyName('train.ipynb', new Set(['train.ipynb', 'train-1.ipynb']))).toBe('train-2.ipynb');
  });
});

describe('copyExample', () => {
  it('writes the example notebook into the folder under a name not yet taken', async () => {
    const [example] = EXAMPLE_NOTEBOOKS;
    const contents = contentsOf({ 'work/train_pipeline.ipynb': {}, 'train_pipeline-1.ipynb': {} });
    expect(await copyExample(contents, example, 'work')).toBe('work/train_pipeline-1.ipynb');
    expect(await copyExample(contents, example, '')).toBe('train_pipeline.ipynb');
    const notebook = contents.files['work/train_pipeline-1.ipynb'] as { nbformat: number; cells: Array<{ metadata: { tags?: string[] } }> };
    expect(notebook.nbformat).toBe(4);
    expect(notebook.cells.some(c => c.metadata.tags?.some(t => t.startsWith('step:')))).toBe(true);
  });
});
