import { spawn } from 'node:child_process';
import probeSource from './installed_packages.py';

/** Where the kernel's Python finds a top-level module (see installed_packages.py). */
export type ModuleOrigin =
  | { kind: 'stdlib' }
  | { kind: 'distribution'; name: string; version: string }
  /** A module that belongs to no installed distribution: a file beside the notebook, a folder on sys.path. */
  | { kind: 'unpackaged'; origin: string | null }
  | { kind: 'missing'; error?: string };

export interface InstalledPackages {
  /** The interpreter's version, `3.11.7`. */
  python: string;
  modules: Record<string, ModuleOrigin>;
}

/**
 * Asks `python`, run in `cwd` (the notebook's folder, as the kernel runs there), where each of
 * `modules` comes from. Rejects when the interpreter cannot run the probe.
 */
export function probeInstalledPackages(python: string, modules: readonly string[], cwd: string): Promise<InstalledPackages> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', probeSource], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', error => reject(new Error(`cannot run ${python} to read its installed packages: ${error.message}`)));
    child.on('close', code => {
      if (code !== 0) {
        reject(new Error(`${python} could not read its installed packages (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as InstalledPackages);
      } catch {
        reject(new Error(`${python} printed no package report: ${stdout.slice(0, 200)}`));
      }
    });
    child.stdin.on('error', () => undefined); // an interpreter that exits unread: 'close' reports it
    child.stdin.end(JSON.stringify(modules));
  });
}
