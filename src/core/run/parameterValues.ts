/**
 * A run's parameter values: the notebook's defaults overridden by values the user gave, each
 * checked against its parameter's type. Text (a CLI `--param NAME=VALUE`, a field of the sidebar's
 * form) is read by the type of the parameter's default with parseParameterText; the service and
 * the application layer only ever see typed JSON values.
 */
import type { Parameter } from '../analysis';
import type { JsonValue } from './types';

/** A value that does not fit its parameter, or a name the notebook does not declare. */
export class ParameterValueError extends Error {}

function describeDefault(parameter: Parameter): string {
  return `the default is ${JSON.stringify(parameter.default)}`;
}

/** Reads text as a value of the parameter's type: text for str, a number for int/float, true/false for bool, JSON otherwise. */
export function parseParameterText(parameter: Parameter, text: string): JsonValue {
  const fail = (what: string): never => {
    throw new ParameterValueError(`parameter ${parameter.name}: '${text}' is not ${what} (${describeDefault(parameter)})`);
  };
  switch (parameter.type) {
    case 'str':
      return text;
    case 'int':
      return /^[-+]?\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text)) ? Number(text) : fail('a whole number');
    case 'float': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? n : fail('a number');
    }
    case 'bool':
      return /^(true|1|yes)$/i.test(text) ? true : /^(false|0|no)$/i.test(text) ? false : fail('true or false');
    default:
      try {
        return JSON.parse(text) as JsonValue;
      } catch {
        return fail('JSON');
      }
  }
}

/** Whether a typed value fits the parameter's declared type (a whole number is a float too). */
function fits(parameter: Parameter, value: JsonValue): boolean {
  switch (parameter.type) {
    case 'str':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'list':
    case 'tuple':
      return Array.isArray(value);
    case 'dict':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return true; // NoneType and others: any JSON value, as the notebook may rebind it
  }
}

/** Whether every number in a JSON value is finite: JSON.parse reads `1e400` as Infinity, which JSON and YAML carry on as null. */
function allFinite(value: JsonValue): boolean {
  if (typeof value === 'number') {
    return Number.isFinite(value);
  }
  if (Array.isArray(value)) {
    return value.every(allFinite);
  }
  return typeof value !== 'object' || value === null || Object.values(value).every(allFinite);
}

/** The run's values: every declared parameter's default, overridden by `overrides` after checking each. */
export function resolveParameterValues(
  declared: readonly Parameter[],
  overrides: Readonly<Record<string, JsonValue>> = {}
): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = Object.fromEntries(declared.map(p => [p.name, p.default as JsonValue]));
  const byName = new Map(declared.map(p => [p.name, p]));
  for (const [name, value] of Object.entries(overrides)) {
    const parameter = byName.get(name);
    if (!parameter) {
      const known = declared.map(p => p.name).join(', ') || 'none: tag a cell pipeline-parameters';
      throw new ParameterValueError(`the notebook has no parameter '${name}' (its parameters: ${known})`);
    }
    if (!allFinite(value)) {
      throw new ParameterValueError(`parameter ${name}: a number in it is beyond the range of a float (the run would get null); give finite numbers`);
    }
    if (!fits(parameter, value)) {
      throw new ParameterValueError(`parameter ${name}: ${JSON.stringify(value)} is not of type ${parameter.type} (${describeDefault(parameter)})`);
    }
    values[name] = value;
  }
  return values;
}

/** `NAME=VALUE` texts (the CLI's `--param`) as typed overrides. */
export function parseParameterAssignments(declared: readonly Parameter[], assignments: readonly string[]): Record<string, JsonValue> {
  const byName = new Map(declared.map(p => [p.name, p]));
  const overrides: Record<string, JsonValue> = {};
  for (const item of assignments) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new ParameterValueError(`a parameter is set as NAME=VALUE, got '${item}'`);
    }
    const name = item.slice(0, eq);
    const parameter = byName.get(name);
    overrides[name] = parameter ? parseParameterText(parameter, item.slice(eq + 1)) : item.slice(eq + 1);
  }
  return overrides;
}
