import { isAbsolute, resolve } from 'node:path';
import type { Notebook } from '../../../src/core/notebook';
import { listKernelPythons } from './kernelPythons';

/**
 * Which Python runs a notebook's local steps: the one asked for, else the interpreter of the
 * notebook's kernel (from its kernelspec, as Jupyter would start it), else `python3`.
 * Listing the kernels starts a Python with jupyter_client (about a second): it is done once, in
 * the background from `warmUp()`, and again once for a kernel name the first listing lacked.
 */
export class PythonResolver {
  private kernels: Promise<Map<string, string>> | undefined;
  private readonly relisted = new Set<string>();

  /** Starts listing the kernels now; resolves with the default kernel's Python, if any. */
  async warmUp(): Promise<string | undefined> {
    return (await this.kernelPythons()).get('python3');
  }

  async resolve(notebook: Notebook, requested?: string): Promise<string> {
    const asked = requested?.trim();
    if (asked) {
      // A path like `.venv/bin/python` means the caller's folder; steps and probes run elsewhere.
      return asked.includes('/') && !isAbsolute(asked) ? resolve(asked) : asked;
    }
    const kernel = (notebook.metadata.kernelspec as { name?: unknown } | undefined)?.name;
    if (typeof kernel !== 'string' || !kernel) {
      return 'python3';
    }
    let python = (await this.kernelPythons()).get(kernel);
    if (!python && !this.relisted.has(kernel)) {
      this.relisted.add(kernel); // installed since the first listing?
      python = (await this.kernelPythons(true)).get(kernel);
    }
    return python ?? 'python3';
  }

  private kernelPythons(refresh = false): Promise<Map<string, string>> {
    if (!this.kernels || refresh) {
      this.kernels = listKernelPythons();
    }
    return this.kernels;
  }
}
