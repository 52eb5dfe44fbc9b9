import { spawnSync } from 'node:child_process';

/**
 * The Python that runs local steps: `--python`, else the interpreter of the notebook's kernel
 * (from its kernelspec, as Jupyter would start it), else `python3`.
 */
export function resolvePython(options: { explicit?: string; kernelName?: string }): string {
  if (options.explicit) {
    return options.explicit;
  }
  if (options.kernelName) {
    const fromKernel = kernelPython(options.kernelName);
    if (fromKernel) {
      return fromKernel;
    }
  }
  return 'python3';
}

function kernelPython(kernelName: string): string | undefined {
  const listing = spawnSync('jupyter', ['kernelspec', 'list', '--json'], { encoding: 'utf8', timeout: 15000 });
  if (listing.status !== 0 || !listing.stdout) {
    return undefined;
  }
  try {
    const specs = JSON.parse(listing.stdout).kernelspecs ?? {};
    const argv: unknown = specs[kernelName]?.spec?.argv;
    const first = Array.isArray(argv) ? argv[0] : undefined;
    // Kernelspecs may say just "python": that is the PATH's python, as Jupyter would start it.
    return typeof first === 'string' && first.length > 0 && !first.includes('{') ? first : undefined;
  } catch {
    return undefined;
  }
}
