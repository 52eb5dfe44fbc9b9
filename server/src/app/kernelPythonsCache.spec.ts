/**
 * The kernel listing kept between commands, with a `jupyter` of the test's own on PATH that counts
 * its runs: listed once while the kernels and the folders of PATH stay as they were, again when a
 * kernel changes or is installed, and afresh when asked; a kernel a notebook names and no listing
 * has is looked for once, not by every command.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listKernelPythonsCached, type KeptKernels } from './kernelPythonsCache';
import { StampedCache } from './stampedCache';

describe('the kernel listing kept between commands', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const runs = (): number => readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length;
  const listed = (options: { fresh?: boolean; kernel?: string } = {}) =>
    listKernelPythonsCached(options, env, new StampedCache<KeptKernels>('kernels', env));
  const list = async (fresh = false): Promise<string[]> => [...(await listed({ fresh })).pythons].map(([name, python]) => `${name}=${python}`);
  const installKernel = (name: string, python: string): void => {
    const folder = join(dir, 'data', 'jupyter', 'kernels', name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'kernel.json'), JSON.stringify({ argv: [python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'] }));
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellpipe-kernels-cache-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'runs'), '');
    // A `jupyter kernelspec list --json` that lists the kernel.json files of the data folder.
    const lister = [
      'import json, os, sys',
      `open(${JSON.stringify(join(dir, 'runs'))}, "a").write("run\\n")`,
      `root = ${JSON.stringify(join(dir, 'data', 'jupyter', 'kernels'))}`,
      'names = sorted(os.listdir(root)) if os.path.isdir(root) else []',
      'specs = {n: {"resource_dir": os.path.join(root, n), "spec": json.load(open(os.path.join(root, n, "kernel.json")))} for n in names}',
      'print(json.dumps({"kernelspecs": specs}))'
    ].join('\n');
    writeFileSync(join(dir, 'bin', 'jupyter'), `#!/bin/sh\nexec python3 -c '${lister}'\n`);
    chmodSync(join(dir, 'bin', 'jupyter'), 0o755);
    env = { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, XDG_DATA_HOME: join(dir, 'data'), XDG_CACHE_HOME: join(dir, 'cache'), HOME: dir };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists once while nothing changed, again when a kernel is installed or changed, and when asked afresh', async () => {
    expect(await list()).toEqual([]);
    expect(await list()).toEqual([]);
    expect(runs()).toBe(1);
    installKernel('python3', '/venv/bin/python'); // the --user kernels folder did not exist: its creation shows
    expect(await list()).toEqual(['python3=/venv/bin/python']);
    expect(await list()).toEqual(['python3=/venv/bin/python']);
    expect(runs()).toBe(2);
    installKernel('python3', '/other/bin/python');
    expect(await list()).toEqual(['python3=/other/bin/python']);
    expect(await list(true)).toEqual(['python3=/other/bin/python']);
    expect(runs()).toBe(4);
  });

  it('looks for a kernel the kept listing lacks once, and not again until something changes', async () => {
    expect([...(await listed()).pythons]).toEqual([]);
    expect(runs()).toBe(1);
    // A notebook of kernel 'julia': the kept listing lacks it, so it lists afresh, once.
    const first = await listed({ kernel: 'julia' });
    expect(first.lacking).toEqual(new Set(['julia']));
    expect(runs()).toBe(2);
    // Later commands on that notebook: known to lack it, nothing changed, no listing.
    expect((await listed({ kernel: 'julia' })).lacking).toEqual(new Set(['julia']));
    expect((await listed({ kernel: 'julia' })).pythons.size).toBe(0);
    expect(runs()).toBe(2);
    // Another kernel name looks again; what was lacking stays known.
    expect((await listed({ kernel: 'ir' })).lacking).toEqual(new Set(['julia', 'ir']));
    expect(runs()).toBe(3);
    // Installed since: its folder's stamps move, the listing is taken again and has it.
    installKernel('julia', '/opt/julia/bin/julia');
    const after = await listed({ kernel: 'julia' });
    expect(after.pythons.get('julia')).toBe('/opt/julia/bin/julia');
    expect(after.lacking).toEqual(new Set());
    expect(runs()).toBe(4);
  });

  it('sees a kernel installed into the environment of a folder on PATH (`<prefix>/share/jupyter/kernels`)', async () => {
    const prefix = join(dir, 'venv');
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    env.PATH = `${join(prefix, 'bin')}:${env.PATH}`;
    expect((await listed({ kernel: 'python3' })).lacking).toEqual(new Set(['python3']));
    expect(runs()).toBe(1);
    // `pip install ipykernel` in that environment writes its kernel there, and nothing in bin/.
    mkdirSync(join(prefix, 'share', 'jupyter', 'kernels', 'python3'), { recursive: true });
    // Listed again (this test's `jupyter` lists only the --user folder, so it still lacks it).
    expect((await listed({ kernel: 'python3' })).lacking).toEqual(new Set(['python3']));
    expect(runs()).toBe(2);
  });
});
