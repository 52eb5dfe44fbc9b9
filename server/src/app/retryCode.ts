/**
 * What a retry runs when the notebook changed since the run: the user's fix, not the run's code.
 * The run's parameter values carry over where the user gave them; where the run took a
 * parameter's default, the notebook's default now is taken (a fix may be in the parameters cell).
 */
import { isDeepStrictEqual } from 'node:util';
import { analyzeNotebook, type Parameter } from '../../../src/core/analysis';
import { parseNotebook } from '../../../src/core/notebook';
import { ParameterValueError, resolveParameterValues } from '../../../src/core/run/parameterValues';
import type { JsonValue } from '../../../src/core/run/types';
import { CellpipeError } from '../errors';

/** The defaults of the parameters a notebook's text declares (none when it cannot be read). */
export function declaredDefaults(notebookText: string | undefined): Map<string, unknown> {
  const notebook = notebookText === undefined ? null : parseNotebook(notebookText).notebook;
  return new Map(notebook ? analyzeNotebook(notebook).parameters.map(p => [p.name, p.default]) : []);
}

/**
 * The parameter values of a retry with the notebook's current code. `runValues`: the run's values
 * (defaults merged); `runDefaults`: the defaults of the notebook as the run read it. A value equal
 * to its default then is taken as not given, so today's default replaces it; a parameter the
 * notebook no longer declares is dropped; a new one takes its default.
 */
export function retryParameterValues(
  declared: readonly Parameter[],
  runValues: Readonly<Record<string, JsonValue>>,
  runDefaults: ReadonlyMap<string, unknown>,
  runId: string
): Record<string, JsonValue> {
  const given: Record<string, JsonValue> = {};
  for (const parameter of declared) {
    const value = runValues[parameter.name];
    const defaulted = runDefaults.has(parameter.name) && isDeepStrictEqual(runDefaults.get(parameter.name), value);
    if (value !== undefined && !defaulted) {
      given[parameter.name] = value;
    }
  }
  try {
    return resolveParameterValues(declared, given);
  } catch (error) {
    if (error instanceof ParameterValueError) {
      throw new CellpipeError(
        'conflict',
        `run ${runId}'s parameter values do not fit the notebook as it is now (${error.message}): start a new run with the values you want`
      );
    }
    throw error;
  }
}

/** Whether a run's steps and a pipeline's are the same steps with the same dependencies, so the run can take the new code in place. */
export function sameSteps(a: readonly StepShape[], b: readonly StepShape[]): boolean {
  const shape = (steps: readonly StepShape[]): string[] => steps.map(s => `${s.id}<-${[...s.dependsOn].sort().join(',')}`).sort();
  return isDeepStrictEqual(shape(a), shape(b));
}

interface StepShape {
  id: string;
  dependsOn: readonly string[];
}
