import { spawn } from 'node:child_process';
import type { InstalledPackages } from '../../../src/core/pipeline';
import probeSource from './installed_packages.py';
import type { Stamps } from './stampedCache';

/** What the probe says, and the stamps of the places it read (installedPackagesCache.ts keeps it while they hold). */
export type ProbedPackages = InstalledPackages & { stamps: Stamps };

/**
 * Asks `python`, run in `cwd` (the notebook's folder, as the kernel runs there), where each of
 * `modules` comes from. Rejects when the interpreter cannot run the probe.
 */
export function probeInstalledPackages(python: string, modules: readonly string[], cwd: string): Promise<ProbedPackages> {
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
        resolve(JSON.parse(stdout) as ProbedPackages);
      } catch {
        reject(new Error(`${python} printed no package report: ${stdout.slice(0, 200)}`));
      }
    });
    child.stdin.on('error', () => undefined); // an interpreter that exits unread: 'close' reports it
    child.stdin.end(JSON.stringify(modules));
  });
}
