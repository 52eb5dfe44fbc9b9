import { diagnostic, type Diagnostic, type Notebook } from '../notebook';

/**
 * `%pip install ...` and `!pip install ...` lines of a notebook: in the kernel they install into
 * the one environment every later cell uses, so on a cluster their requirements join every step's
 * environment, and the lines themselves do nothing in pods (pipInstallLine tells them).
 */

// `%pip install`, `!pip install`, `!pip3 install`, `!python -m pip install`, `!python3 -m pip install`.
const PIP_INSTALL = /^[ \t]*(?:%pip|!\s*(?:pip3?|python3?\s+-m\s+pip))\s+install\b(.*)$/;
/** Options that change where or what pip installs, which a pod cannot honour from a notebook line. */
const REFUSED = new Set([
  '-r',
  '--requirement',
  '-c',
  '--constraint',
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '--trusted-host',
  '-e',
  '--editable'
]);
/** Options that take the next word as their value. */
const WITH_VALUE = new Set([...REFUSED, '-t', '--target', '--prefix', '--root']);

/** Whether a line of cell source is a pip install line. */
export function isPipInstallLine(line: string): boolean {
  return PIP_INSTALL.test(line);
}

function unquote(word: string): string {
  return /^(['"]).*\1$/.test(word) ? word.slice(1, -1) : word;
}

export interface PipInstallRequirements {
  requirements: string[];
  diagnostics: Diagnostic[];
}

export function pipInstallRequirements(notebook: Notebook, skipped: ReadonlySet<number> = new Set()): PipInstallRequirements {
  const requirements: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const cell of notebook.cells) {
    if (cell.cellType !== 'code' || skipped.has(cell.index)) {
      continue;
    }
    cell.source.split('\n').forEach((text, i) => {
      const match = PIP_INSTALL.exec(text);
      if (!match) {
        return;
      }
      const words = match[1].trim().split(/\s+/).filter(Boolean);
      for (let w = 0; w < words.length; w++) {
        const word = words[w];
        if (word.startsWith('-')) {
          const option = word.split('=')[0];
          if (REFUSED.has(option)) {
            diagnostics.push(
              diagnostic(
                'warning',
                'pip-option-ignored',
                `\`${option}\` in a pip install line is not used on the cluster: put requirement lines in requirements.txt beside the notebook and the package index in the notebook's packageIndex setting`,
                cell.index,
                i + 1
              )
            );
          }
          if (WITH_VALUE.has(option) && !word.includes('=')) {
            w++;
          }
          continue;
        }
        const requirement = unquote(word);
        if (/[{}$]/.test(requirement)) {
          diagnostics.push(
            diagnostic(
              'warning',
              'pip-requirement-unknown',
              `\`${requirement}\` is expanded by the kernel: write the requirement itself so the cluster can install it`,
              cell.index,
              i + 1
            )
          );
          continue;
        }
        requirements.push(requirement);
      }
    });
  }
  return { requirements, diagnostics };
}
