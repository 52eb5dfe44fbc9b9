import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { relativeToRoot } from './httpError';

describe('error messages name files under the Jupyter root as JupyterLab does', () => {
  let folder: string;
  let root: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'cellpipe-root-'));
    root = join(folder, 'real');
    mkdirSync(root);
    symlinkSync(root, join(folder, 'link'));
  });

  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('relative to the root, whether the message spells the root as given or resolved', () => {
    const message = `cannot read ${root}/sub/a.ipynb; ${join(folder, 'link')}/b.ipynb is gone; ${root}-other/c stays`;
    expect(relativeToRoot(message, join(folder, 'link'))).toBe(`cannot read sub/a.ipynb; b.ipynb is gone; ${root}-other/c stays`);
  });

  it('leaves paths outside the root, and messages of a service without a root, as they are', () => {
    expect(relativeToRoot('/usr/bin/python3 cannot import IPython', root)).toBe('/usr/bin/python3 cannot import IPython');
    expect(relativeToRoot(`${root}/a.ipynb`, undefined)).toBe(`${root}/a.ipynb`);
  });
});
