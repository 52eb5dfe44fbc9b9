import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { kernelPythons, listKernelPythons } from './kernelPythons';
import { PythonResolver } from './pythonResolver';

describe('kernel interpreters', () => {
  it("reads each kernel's interpreter from `jupyter kernelspec list --json`", () => {
    const listing = JSON.stringify({
      kernelspecs: {
        python3: { resource_dir: '/x', spec: { argv: ['/venv/bin/python', '-m', 'ipykernel_launcher', '-f', '{connection_file}'] } },
        plain: { spec: { argv: ['python', '-m', 'ipykernel'] } },
        templated: { spec: { argv: ['{prefix}/bin/python'] } },
        broken: { spec: {} },
        empty: { spec: { argv: [] } }
      }
    });
    expect([...kernelPythons(listing)]).toEqual([
      ['python3', '/venv/bin/python'],
      ['plain', 'python']
    ]);
    expect(kernelPythons('jupyter: command not found').size).toBe(0);
  });

  it("lists the installed kernels without blocking, and resolves a notebook's Python from its kernel", async () => {
    const jupyter = spawnSync('jupyter', ['kernelspec', 'list', '--json'], { encoding: 'utf8' });
    const kernels = await listKernelPythons();
    if (jupyter.status !== 0) {
      expect(kernels.size).toBe(0); // no Jupyter on PATH: nothing known, nothing thrown
      return;
    }
    expect(kernels).toEqual(kernelPythons(jupyter.stdout));
    const resolver = new PythonResolver();
    const notebookOf = (kernel: string) => ({ cells: [], metadata: { kernelspec: { name: kernel } }, nbformat: 4, nbformatMinor: 5 });
    for (const [name, python] of kernels) {
      expect(await resolver.resolve(notebookOf(name))).toBe(python);
    }
    expect(await resolver.resolve(notebookOf('no-such-kernel'))).toBe('python3');
    expect(await resolver.resolve(notebookOf('python3'), ' /opt/py ')).toBe('/opt/py');
    // A relative path is the caller's: steps and probes run in the notebook's folder.
    expect(await resolver.resolve(notebookOf('python3'), '.venv/bin/python')).toBe(join(process.cwd(), '.venv', 'bin', 'python'));
    expect(await resolver.resolve(notebookOf('python3'), 'python3.12')).toBe('python3.12');
  });
});
