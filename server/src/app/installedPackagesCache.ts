/**
 * The installed packages of a Python (installedPackages.ts) kept on disk between commands: the
 * probe starts the interpreter and reads its distributions (0.2-0.3 s of every `cellpipe compile`
 * of a cluster target), and its answer holds while the folders of the interpreter's sys.path and
 * the notebook's folder keep their modification times (stampedCache.ts).
 */
import type { InstalledPackages } from '../../../src/core/pipeline';
import { probeInstalledPackages } from './installedPackages';
import { StampedCache } from './stampedCache';

/** What else decides the answer: the variables that move sys.path or name another `python`. */
const PYTHON_ENV = ['PATH', 'PYTHONPATH', 'PYTHONHOME', 'PYTHONNOUSERSITE', 'PYTHONUSERBASE', 'PYTHONSAFEPATH'];

export async function installedPackages(
  python: string,
  modules: readonly string[],
  cwd: string,
  cache = new StampedCache<InstalledPackages>('packages')
): Promise<InstalledPackages> {
  const key = JSON.stringify({ python, cwd, modules: [...modules].sort(), env: PYTHON_ENV.map(name => process.env[name] ?? null) });
  const kept = cache.get(key);
  if (kept) {
    return kept;
  }
  const { stamps, ...probed } = await probeInstalledPackages(python, modules, cwd);
  cache.set(key, probed, stamps);
  return probed;
}
