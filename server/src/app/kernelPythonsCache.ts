/**
 * The installed kernels' interpreters (kernelPythons.ts) kept on disk between commands: listing
 * them starts a Python with jupyter_client, 0.2 s to a second of every CLI command that resolves
 * a notebook's kernel. The listing holds while the folders `jupyter` is found in (PATH), the
 * kernels' own folders and the folders kernels are installed into keep their modification times
 * (stampedCache.ts). A notebook whose kernel the listing lacks lists again (pythonResolver.ts).
 */
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { kernelFolders, kernelPythons, listKernels } from './kernelPythons';
import { StampedCache, stampsOf } from './stampedCache';

/** What decides the listing besides the folders: where `jupyter` is looked for, and Jupyter's own paths. */
const JUPYTER_ENV = ['PATH', 'JUPYTER_PATH', 'JUPYTER_DATA_DIR', 'HOME'];

/** Folders kernels are installed into that exist without a kernel in them yet (`--user`, system-wide, JUPYTER_PATH). */
function kernelHomes(env: NodeJS.ProcessEnv): string[] {
  const data = env.JUPYTER_DATA_DIR || join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'jupyter');
  const extra = (env.JUPYTER_PATH ?? '').split(delimiter).filter(Boolean);
  return [data, ...extra, '/usr/local/share/jupyter', '/usr/share/jupyter'].map(folder => join(folder, 'kernels'));
}

/** The kernels' interpreters, from the kept listing unless `fresh` (which lists again, and keeps that). */
export async function listKernelPythonsCached(
  fresh = false,
  env: NodeJS.ProcessEnv = process.env,
  cache = new StampedCache<string>('kernels', env)
): Promise<Map<string, string>> {
  const key = JSON.stringify(JUPYTER_ENV.map(name => env[name] ?? null));
  const kept = fresh ? undefined : cache.get(key);
  if (kept !== undefined) {
    return kernelPythons(kept);
  }
  const before = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...kernelHomes(env)];
  const stamps = stampsOf(before);
  const listing = await listKernels(env);
  const folders = kernelFolders(listing);
  cache.set(key, listing, { ...stamps, ...stampsOf(folders.flatMap(folder => [dirname(folder), folder, join(folder, 'kernel.json')])) });
  return kernelPythons(listing);
}
