import { spawn, spawnSync } from 'node:child_process';
import type { Pipeline } from '../../../../src/core/pipeline';

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

/**
 * Why the steps of `pipeline` cannot run their IPython magics with `python`, or undefined: a step
 * with magics runs them through IPython, which must be importable there. Asked before a local run
 * starts, so the user hears it at once rather than when that step's turn comes.
 */
export function magicsProblem(pipeline: Pipeline, python: string): string | undefined {
  const steps = pipeline.steps.filter(step => step.usesMagics);
  if (!steps.length) {
    return undefined;
  }
  const probe = spawnSync(python, ['-c', 'import importlib.util, sys; sys.exit(3 if importlib.util.find_spec("IPython") is None else 0)'], {
    stdio: 'ignore',
    timeout: 30000
  });
  if (probe.status !== 3) {
    return undefined; // has IPython, or the interpreter itself fails: the run says so
  }
  const which = steps.map(step => `step '${step.name}' (cells ${step.cells.join(', ')})`).join(', ');
  return `${which} ${steps.length === 1 ? 'uses' : 'use'} IPython magics or shell commands, but ${python} cannot import IPython: install it there (\`${python} -m pip install ipython\`) or rewrite the magics as Python`;
}
