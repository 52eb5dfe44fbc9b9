/**
 * The installed kernels' interpreters (kernelPythons.ts) kept on disk between commands: listing
 * them starts a Python with jupyter_client, 0.2 s to a second of every CLI command that resolves
 * a notebook's kernel. The listing holds while the folders `jupyter` is found in (PATH), the
 * kernels' own folders and the folders kernels are installed into keep their modification times
 * (stampedCache.ts).
 *
 * A notebook whose kernel the kept listing lacks lists again, once: the kernel may have been
 * installed since. When the fresh listing lacks it too, the kept listing says so, and later
 * commands on that notebook do not list again until a stamp moves (a kernel installed anywhere
 * Jupyter looks moves one): a notebook of a kernel this machine does not have, or a machine
 * without Jupyter, would otherwise start a process on every command.
 */
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { kernelFolders, kernelPythons, listKernels } from './kernelPythons';
import { StampedCache, stampsOf } from './stampedCache';

/** What decides the listing besides the folders: where `jupyter` is looked for, and Jupyter's own paths. */
const JUPYTER_ENV = ['PATH', 'JUPYTER_PATH', 'JUPYTER_DATA_DIR', 'HOME'];

/** What is kept: `jupyter kernelspec list --json`'s output, and the kernels a fresh listing lacked. */
export interface KeptKernels {
  listing: string;
  lacking: string[];
}

/** The kernels a notebook may name: kernel name -> its interpreter, and the names known to lack one. */
export interface KernelPythons {
  pythons: Map<string, string>;
  /** Kernels a fresh listing lacked, while nothing has changed since: listing again would not find them. */
  lacking: ReadonlySet<string>;
}

/**
 * Folders kernels are installed into that exist without a kernel in them yet: `--user`,
 * system-wide, JUPYTER_PATH, and the environment of each folder of PATH (`<prefix>/bin` ->
 * `<prefix>/share/jupyter/kernels`, where `pip install ipykernel` puts a virtual environment's).
 */
function kernelHomes(env: NodeJS.ProcessEnv): string[] {
  const data = env.JUPYTER_DATA_DIR || join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'jupyter');
  const extra = (env.JUPYTER_PATH ?? '').split(delimiter).filter(Boolean);
  const prefixes = pathFolders(env).map(folder => join(dirname(folder), 'share', 'jupyter'));
  return [data, ...extra, ...prefixes, '/usr/local/share/jupyter', '/usr/share/jupyter'].map(folder => join(folder, 'kernels'));
}

function pathFolders(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(delimiter).filter(Boolean);
}

function isKept(value: unknown): value is KeptKernels {
  const kept = value as KeptKernels | undefined;
  return typeof kept?.listing === 'string' && Array.isArray(kept.lacking) && kept.lacking.every(name => typeof name === 'string');
}

/**
 * The kernels' interpreters, from the kept listing unless `fresh`, or unless the kept listing
 * lacks `kernel` and has not yet been found to (then it lists again, and keeps that).
 */
export async function listKernelPythonsCached(
  { fresh = false, kernel }: { fresh?: boolean; kernel?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
  cache = new StampedCache<KeptKernels>('kernels', env)
): Promise<KernelPythons> {
  const key = JSON.stringify(JUPYTER_ENV.map(name => env[name] ?? null));
  const stored = fresh ? undefined : cache.get(key);
  const kept = isKept(stored) ? stored : undefined;
  if (kept) {
    const pythons = kernelPythons(kept.listing);
    if (kernel === undefined || pythons.has(kernel) || kept.lacking.includes(kernel)) {
      return { pythons, lacking: new Set(kept.lacking) };
    }
  }
  const stamps = stampsOf([...pathFolders(env), ...kernelHomes(env)]);
  const listing = await listKernels(env);
  const pythons = kernelPythons(listing);
  // Kernels the kept listing was found to lack stay lacking unless this listing has them.
  const asked = [...(kept?.lacking ?? []), ...(kernel === undefined ? [] : [kernel])];
  const lacking = [...new Set(asked)].filter(name => !pythons.has(name));
  const folders = kernelFolders(listing);
  cache.set(key, { listing, lacking }, { ...stamps, ...stampsOf(folders.flatMap(folder => [dirname(folder), folder, join(folder, 'kernel.json')])) });
  return { pythons, lacking: new Set(lacking) };
}
