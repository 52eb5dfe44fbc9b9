import type { Parameter } from '../../../src/core/analysis';
import type { JsonValue } from '../../../src/core/run/types';
import { CliError } from './notebookFile';

/**
 * Run parameters: the notebook's defaults, overridden by `--param NAME=VALUE`. A value is read by
 * the type of its default: text for str, a number for int/float, true/false for bool, JSON for
 * lists and dicts. It reaches the steps as JSON data, never as code.
 */
export function runParameters(declared: readonly Parameter[], overrides: readonly string[]): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = Object.fromEntries(declared.map(p => [p.name, p.default as JsonValue]));
  const byName = new Map(declared.map(p => [p.name, p]));
  for (const item of overrides) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new CliError(`--param takes NAME=VALUE, got '${item}'`, 2);
    }
    const name = item.slice(0, eq);
    const parameter = byName.get(name);
    if (!parameter) {
      const known = declared.map(p => p.name).join(', ') || 'none: tag a cell pipeline-parameters';
      throw new CliError(`the notebook has no parameter '${name}' (its parameters: ${known})`, 2);
    }
    values[name] = parseValue(parameter, item.slice(eq + 1));
  }
  return values;
}

function parseValue(parameter: Parameter, text: string): JsonValue {
  const fail = (what: string): never => {
    throw new CliError(`--param ${parameter.name}: '${text}' is not ${what} (the default is ${JSON.stringify(parameter.default)})`, 2);
  };
  switch (parameter.type) {
    case 'str':
      return text;
    case 'int':
      return /^[-+]?\d+$/.test(text.trim()) ? Number(text) : fail('a whole number');
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
