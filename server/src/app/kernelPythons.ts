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

/**
 * kernelPythons without blocking: listing the kernels starts a Python with jupyter_client, about
 * a second, which the service spends before the first run is asked for rather than after.
 */
export function listKernelPythons(): Promise<Map<string, string>> {
  return new Promise(resolve => {
    let stdout = '';
    const child = spawn('jupyter', KERNELSPEC_LIST, { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.on('error', () => resolve(new Map()));
    child.on('close', code => resolve(code === 0 ? kernelPythons(stdout) : new Map()));
  });
}
