import { spawnSync } from 'node:child_process';
import { listKernelPythons } from '../backends/local/python';
import { PythonResolver } from './pythonResolver';

describe('PythonResolver', () => {
  it("resolves a notebook's Python from its kernel, else python3; a requested Python wins", async () => {
    const jupyter = spawnSync('jupyter', ['kernelspec', 'list', '--json'], { encoding: 'utf8' });
    if (jupyter.status !== 0) {
      return; // no Jupyter on PATH: no kernels to resolve from (python.spec.ts checks the empty listing)
    }
    const kernels = await listKernelPythons();
    const resolver = new PythonResolver();
    const notebookOf = (kernel: string) => ({ cells: [], metadata: { kernelspec: { name: kernel } }, nbformat: 4, nbformatMinor: 5 });
    for (const [name, python] of kernels) {
      expect(await resolver.resolve(notebookOf(name))).toBe(python);
    }
    expect(await resolver.resolve(notebookOf('no-such-kernel'))).toBe('python3');
    expect(await resolver.resolve(notebookOf('python3'), ' /opt/py ')).toBe('/opt/py');
  });
});
