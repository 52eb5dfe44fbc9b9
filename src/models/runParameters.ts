import type { Parameter } from '../core/analysis';
import type { JsonValue, RunState } from '../core/run/types';

/** A parameter value as the run list and the comparison show it: text as typed, the rest as JSON. */
export function parameterText(value: JsonValue | undefined): string {
  if (value === undefined) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The parameters a run was started with that differ from the notebook's defaults now, in the
 * order the notebook declares them (then any it no longer declares), as `name=value` texts.
 */
export function changedParameters(run: RunState, declared: readonly Parameter[]): string[] {
  const defaults = new Map(declared.map(p => [p.name, JSON.stringify(p.default)]));
  const order = [
    ...declared.map(p => p.name),
    ...Object.keys(run.parameters)
      .filter(n => !defaults.has(n))
      .sort()
  ];
  return order
    .filter(name => Object.prototype.hasOwnProperty.call(run.parameters, name) && JSON.stringify(run.parameters[name]) !== defaults.get(name))
    .map(name => `${name}=${parameterText(run.parameters[name])}`);
}
