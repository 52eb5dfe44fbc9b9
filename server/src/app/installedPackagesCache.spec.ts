/**
 * The installed packages kept between commands: asked once, answered from the disk while the
 * stamps hold, asked again when they do not (a module file appears beside the notebook, a package
 * is installed), never for files the user's work adds to the notebook's folder. A real Python
 * behind a wrapper that counts its runs.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstalledPackages } from '../../../src/core/pipeline';
import { testPython } from '../testing/cliProcess';
import { installedPackages } from './installedPackagesCache';
import { MACHINE_CACHE_ENV, StampedCache, stampsOf } from './stampedCache';

describe('the installed packages kept between commands', () => {
  let dir: string;
  let notebookFolder: string;
  let python: string;
  let site: string;
  const runs = (): number => readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length;
  const cache = (): StampedCache<InstalledPackages> => new StampedCache('packages', { XDG_CACHE_HOME: join(dir, 'cache') });
  const ask = (): Promise<InstalledPackages> => installedPackages(python, ['json', 'helpers', 'extra_pkg'], notebookFolder, cache());

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellpipe-packages-cache-'));
    notebookFolder = join(dir, 'notebooks');
    site = join(dir, 'site');
    mkdirSync(notebookFolder);
    mkdirSync(site);
    writeFileSync(join(dir, 'runs'), '');
    // PYTHONPATH is read from the wrapper's env, not the key's: the folder stands for a site-packages.
    python = join(dir, 'python');
    writeFileSync(python, `#!/bin/sh\necho run >> '${join(dir, 'runs')}'\nPYTHONPATH='${site}' exec '${testPython}' "$@"\n`);
    chmodSync(python, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('asks the Python once while nothing it read changed', async () => {
    const first = await ask();
    expect(first.modules.helpers).toEqual({ kind: 'missing' });
    expect(await ask()).toEqual(first);
    // Compiled files beside the notebook change its folder, not what a module resolves to.
    writeFileSync(join(notebookFolder, 'notebook.kfp.yaml'), 'x');
    expect(await ask()).toEqual(first);
    expect(runs()).toBe(1);
  });

  it('asks again when a module appears beside the notebook or in a folder of sys.path', async () => {
    await ask();
    writeFileSync(join(notebookFolder, 'helpers.py'), 'X = 1\n');
    expect((await ask()).modules.helpers).toEqual({ kind: 'unpackaged', origin: join(notebookFolder, 'helpers.py') });
    mkdirSync(join(site, 'extra_pkg'));
    writeFileSync(join(site, 'extra_pkg', '__init__.py'), '');
    expect((await ask()).modules.extra_pkg).toEqual({ kind: 'unpackaged', origin: join(site, 'extra_pkg', '__init__.py') });
    expect(runs()).toBe(3);
  });

  it(`keeps nothing with ${MACHINE_CACHE_ENV}=0`, async () => {
    const off = new StampedCache<InstalledPackages>('packages', { XDG_CACHE_HOME: join(dir, 'cache'), [MACHINE_CACHE_ENV]: '0' });
    await installedPackages(python, ['json'], notebookFolder, off);
    await installedPackages(python, ['json'], notebookFolder, off);
    expect(runs()).toBe(2);
  });

  it('takes a missing path as a stamp, which its creation breaks', () => {
    const store = cache();
    const later = join(dir, 'later');
    store.set('key', 'value' as unknown as InstalledPackages, stampsOf([later, notebookFolder]));
    expect(store.get('key')).toBe('value');
    expect(store.get('other key')).toBeUndefined();
    mkdirSync(later);
    expect(store.get('key')).toBeUndefined();
  });
});
