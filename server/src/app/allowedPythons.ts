import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The interpreters the HTTP service may run for a request that names one, besides the kernels'
 * (pythonResolver.ts): those the user confirmed when starting the service (`CELLPIPE_PYTHONS`, a
 * PATH-like list, or ServiceOptions.pythons) and the one chosen in cellpipe's JupyterLab settings
 * ("Python for local runs"), read from the settings file Jupyter wrote rather than from the request.
 */

/** The variable listing confirmed interpreters, separated like PATH. */
export const CONFIRMED_PYTHONS_ENV = 'CELLPIPE_PYTHONS';

/** Where JupyterLab keeps cellpipe's user settings (`jupyterlab-cellpipe:plugin`). */
export function settingsFile(env: NodeJS.ProcessEnv = process.env): string {
  const folder = env.JUPYTERLAB_SETTINGS_DIR || join(env.JUPYTER_CONFIG_DIR || join(homedir(), '.jupyter'), 'lab', 'user-settings');
  return join(folder, 'jupyterlab-cellpipe', 'plugin.jupyterlab-settings');
}

/** JSON with `//` and `/* *\/` comments (as JupyterLab writes settings) made plain JSON. */
function withoutComments(text: string): string {
  return text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (match, string: string | undefined) => string ?? '');
}

/** The settings' Python for local runs, if one is set and the file can be read. */
export function settingsPython(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = settingsFile(env);
  if (!existsSync(file)) {
    return undefined;
  }
  try {
    const python = (JSON.parse(withoutComments(readFileSync(file, 'utf8'))) as { python?: unknown }).python;
    return typeof python === 'string' && python.trim() ? python.trim() : undefined;
  } catch {
    return undefined; // unreadable settings name nothing
  }
}

/** The confirmed interpreters: `given` and those of CELLPIPE_PYTHONS. */
export function confirmedPythons(given: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  return [...given, ...(env[CONFIRMED_PYTHONS_ENV] ?? '').split(delimiter)].map(p => p.trim()).filter(Boolean);
}
