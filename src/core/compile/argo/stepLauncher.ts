/**
 * The source of a step's template: a few lines that run the step's script, which the setup task
 * wrote to the run's data folder from the step payload (cluster/stepPayload.ts), as `python
 * step.py` would run it (the same process: exec). The step's code is not in the Workflow; the
 * comment says how to read it.
 */
import { pyStr } from '../pythonLiteral';
import { RUNTIME_ENV } from '../runtime/contract';
import { stepScriptPath } from '../cluster/stepPayload';
import { ARGO_SETUP_TASK } from './labels';

const SCRIPT_VARIABLE = '_STEP_SCRIPT';

export function stepLauncherSource(stepId: string): string {
  return [
    `# cellpipe: runs this script of the data folder, written by the ${ARGO_SETUP_TASK} task (--target scripts shows it)`,
    'import os, sys',
    `${SCRIPT_VARIABLE} = ${pyStr(stepScriptPath(stepId))}`,
    `os.execv(sys.executable, [sys.executable, os.path.join(os.environ[${pyStr(RUNTIME_ENV.dataDir)}], ${SCRIPT_VARIABLE})])`,
    ''
  ].join('\n');
}

/** The script (relative to the data folder) a step template's source runs, if it is a launcher's. */
export function launchedScriptOf(source: string): string | null {
  return new RegExp(`^${SCRIPT_VARIABLE} = '([^'\\\\]*)'$`, 'm').exec(source)?.[1] ?? null;
}
