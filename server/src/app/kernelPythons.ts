import { spawn } from 'node:child_process';

/** The interpreters of the installed Jupyter kernels, as Jupyter would start them. */

const KERNELSPEC_LIST = ['kernelspec', 'list', '--json'];

/** Kernel name -> interpreter, from `jupyter kernelspec list --json`; kernels without one are left out. */
export function kernelPythons(listing: string): Map<string, string> {
  const found = new Map<string, string>();
  try {
    const specs = JSON.parse(listing).kernelspecs ?? {};
    for (const [name, entry] of Object.entries<{ spec?: { argv?: unknown } }>(specs)) {
      const argv = entry?.spec?.argv;
      const first = Array.isArray(argv) ? argv[0] : undefined;
      // Kernelspecs may say just "python": that is the PATH's python, as Jupyter would start it.
      if (typeof first === 'string' && first.length > 0 && !first.includes('{')) {
        found.set(name, first);
      }
    }
  } catch {
    // not JSON: no kernels known
  }
  return found;
}

/** The folders of the kernels a listing names (`resource_dir`). */
export function kernelFolders(listing: string): string[] {
  try {
    return Object.values<{ resource_dir?: unknown }>(JSON.parse(listing).kernelspecs ?? {}).flatMap(entry =>
      typeof entry?.resource_dir === 'string' ? [entry.resource_dir] : []
    );
  } catch {
    return [];
  }
}

/**
 * `jupyter kernelspec list --json` without blocking (its stdout, '' when there is no Jupyter):
 * listing the kernels starts a Python with jupyter_client, 0.2 s to a second, which the service
 * spends before the first run is asked for rather than after.
 */
export function listKernels(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise(resolve => {
    let stdout = '';
    const child = spawn('jupyter', KERNELSPEC_LIST, { stdio: ['ignore', 'pipe', 'ignore'], env });
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.on('error', () => resolve(''));
    child.on('close', code => resolve(code === 0 ? stdout : ''));
  });
}

/** kernelPythons of a fresh listing, without blocking. */
export async function listKernelPythons(): Promise<Map<string, string>> {
  return kernelPythons(await listKernels());
}
