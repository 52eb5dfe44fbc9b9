import { isAbsolute, resolve } from 'node:path';
import type { Notebook } from '../../../src/core/notebook';
import { CellpipeError } from '../errors';
import { confirmedPythons, CONFIRMED_PYTHONS_ENV, settingsPython } from './allowedPythons';
import { listKernelPythonsCached, type KernelPythons } from './kernelPythonsCache';
import { canonicalPython, verifyPython } from './pythonCheck';

export interface PythonResolverOptions {
  /**
   * 'any' (the CLI): a requested Python is the user's own choice on their own machine, run as given.
   * 'allowed' (the HTTP service): a requested Python must be one a kernelspec, cellpipe's settings or
   * the confirmed list names (allowedPythons.ts); every Python is then canonicalised (one spelling per
   * interpreter) and verified to be a Python before anything runs it.
   */
  requested?: 'any' | 'allowed';
  /** Interpreters the user confirmed when starting the service (with CELLPIPE_PYTHONS). */
  confirmed?: readonly string[];
}

/**
 * Which Python runs a notebook's local steps: the one asked for, else the interpreter of the
 * notebook's kernel (from its kernelspec, as Jupyter would start it), else `python3`.
 * Listing the kernels starts a Python with jupyter_client (about a second): it is done once, in
 * the background from `warmUp()`, and again once for a kernel name the first listing lacked
 * (not even once when an earlier command found it lacking and nothing has changed since).
 */
export class PythonResolver {
  private kernels: Promise<KernelPythons> | undefined;
  private readonly relisted = new Set<string>();

  constructor(private readonly options: PythonResolverOptions = {}) {}

  /** Starts listing the kernels now; resolves with the default kernel's Python, if any. */
  async warmUp(): Promise<string | undefined> {
    const python = (await this.kernelPythons()).pythons.get('python3');
    return python && this.options.requested === 'allowed' ? this.checked(python).catch(() => undefined) : python;
  }

  async resolve(notebook: Notebook, requested?: string): Promise<string> {
    const asked = requested?.trim();
    if (asked) {
      if (this.options.requested === 'allowed') {
        return this.checked(asked, await this.allowed());
      }
      // A path like `.venv/bin/python` means the caller's folder; steps and probes run elsewhere.
      return asked.includes('/') && !isAbsolute(asked) ? resolve(asked) : asked;
    }
    const python = (await this.kernelPython(notebook)) ?? 'python3';
    return this.options.requested === 'allowed' ? this.checked(python) : python;
  }

  private async kernelPython(notebook: Notebook): Promise<string | undefined> {
    const kernel = (notebook.metadata.kernelspec as { name?: unknown } | undefined)?.name;
    if (typeof kernel !== 'string' || !kernel) {
      return undefined;
    }
    const { pythons, lacking } = await this.kernelPythons();
    let python = pythons.get(kernel);
    if (!python && !lacking.has(kernel) && !this.relisted.has(kernel)) {
      this.relisted.add(kernel); // installed since the first listing?
      python = (await this.kernelPythons(kernel)).pythons.get(kernel);
    }
    return python;
  }

  /** The canonical paths of the Pythons a request may name: kernels', settings', confirmed ones and the default `python3`. */
  private async allowed(): Promise<Set<string>> {
    const named = [...(await this.kernelPythons()).pythons.values(), settingsPython(), ...confirmedPythons(this.options.confirmed), 'python3'];
    return new Set(named.flatMap(python => (python ? [canonicalPython(python)] : [])).filter((p): p is string => !!p));
  }

  /** `python` canonicalised, refused unless in `allowed` (when given), and verified to be a Python. */
  private async checked(python: string, allowed?: Set<string>): Promise<string> {
    const canonical = canonicalPython(python);
    if (!canonical) {
      throw new CellpipeError('invalid', `no Python at '${python}': give the path of an interpreter (a kernel's, a virtual environment's)`);
    }
    if (allowed && !allowed.has(canonical)) {
      throw new CellpipeError(
        'forbidden',
        `'${python}' is not a Python this service may run: choose a Jupyter kernel's interpreter, set it as cellpipe's "Python for local runs" setting, or add it to ${CONFIRMED_PYTHONS_ENV} where Jupyter starts`
      );
    }
    await verifyPython(canonical);
    return canonical;
  }

  /**
   * The kernels, listed once; `lacked` is a kernel the listing lacked: it is looked for again,
   * afresh unless an earlier command's fresh listing lacked it too (kernelPythonsCache.ts).
   */
  private kernelPythons(lacked?: string): Promise<KernelPythons> {
    if (!this.kernels || lacked !== undefined) {
      this.kernels = listKernelPythonsCached({ kernel: lacked });
    }
    return this.kernels;
  }
}
