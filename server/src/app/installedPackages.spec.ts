import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeInstalledPackages } from './installedPackages';
import { testPython } from '../testing/cliProcess';

/** What the interpreter itself says of a distribution, to compare the probe with. */
function version(dist: string): string | null {
  const out = spawnSync(testPython, ['-c', `import importlib.metadata as m; print(m.version(${JSON.stringify(dist)}))`], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : null;
}

describe("the installed packages of the kernel's Python", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellpipe-packages-'));
    writeFileSync(join(dir, 'helpers.py'), 'X = 1\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tells the standard library, installed distributions by their own names and versions, local files and missing modules', async () => {
    const report = await probeInstalledPackages(testPython, ['os', 'json', 'jupyter_server', 'IPython', 'helpers', 'no_such_module_xyz'], dir);
    expect(report.python).toMatch(/^3\.\d+\.\d+$/);
    expect(report.modules.os).toEqual({ kind: 'stdlib' });
    expect(report.modules.json).toEqual({ kind: 'stdlib' });
    // jupyter_server is installed with JupyterLab in the test Python; IPython's distribution is "ipython".
    expect(report.modules.jupyter_server).toEqual({ kind: 'distribution', name: 'jupyter_server', version: version('jupyter_server') });
    expect(report.modules.IPython).toEqual({ kind: 'distribution', name: expect.stringMatching(/^ipython$/i), version: version('ipython') });
    expect(report.modules.helpers).toEqual({ kind: 'unpackaged', origin: join(dir, 'helpers.py') });
    expect(report.modules.no_such_module_xyz).toEqual({ kind: 'missing' });
  });

  it('says why when the interpreter cannot run it', async () => {
    await expect(probeInstalledPackages(join(dir, 'no-python'), ['os'], dir)).rejects.toThrow(/cannot run .*no-python/);
    await expect(probeInstalledPackages('/bin/false', ['os'], dir)).rejects.toThrow(/could not read its installed packages \(exit 1\)/);
  });
});
