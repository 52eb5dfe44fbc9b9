/**
 * A parameter sweep's grid: for each swept parameter a list of values, and the runs as the
 * cartesian product of those lists. Values come typed (the service's `grid`) or as text (the CLI's
 * `--sweep NAME=V1,V2,...`, the sidebar's sweep form), each read by its parameter's type as a
 * `--param` value is (parameterValues.ts).
 */
import type { Parameter } from '../analysis';
import { parseParameterText, ParameterValueError, resolveParameterValues } from './parameterValues';
import type { JsonValue } from './types';

/** Swept values by parameter name, in the order the parameters were given. */
export type SweepGrid = Record<string, JsonValue[]>;

/** More points than this is refused: each is a run of the whole pipeline. */
export const MAX_SWEEP_POINTS = 256;

/** A `--sweep` text that is a JSON list (`[0.1, 0.01]`, `["a,b", "c"]`, `[[64], [64, 32]]`): its items, typed already. */
function jsonList(text: string): JsonValue[] | undefined {
  if (!text.trimStart().startsWith('[')) {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as JsonValue[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Comma-separated values, where `\,` is a comma inside a value and `\\` a backslash. */
export function splitSweepValues(text: string): string[] {
  const values: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === ',' || text[i + 1] === '\\')) {
      current += text[++i];
    } else if (c === ',') {
      values.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  values.push(current);
  return values;
}

function known(declared: readonly Parameter[], name: string): Parameter {
  const parameter = declared.find(p => p.name === name);
  if (!parameter) {
    const names = declared.map(p => p.name).join(', ') || 'none: tag a cell pipeline-parameters';
    throw new ParameterValueError(`cannot sweep '${name}': the notebook has no such parameter (its parameters: ${names})`);
  }
  return parameter;
}

/**
 * `NAME=VALUES` texts (the CLI's `--sweep`, repeatable) as a typed grid: a JSON list's items as
 * they are (sweepPoints checks their types), else comma-separated values, each read by the
 * parameter's type.
 */
export function parseSweepTexts(declared: readonly Parameter[], texts: readonly string[]): SweepGrid {
  const grid: SweepGrid = {};
  for (const text of texts) {
    const eq = text.indexOf('=');
    if (eq <= 0) {
      throw new ParameterValueError(`a sweep is given as NAME=V1,V2,... or NAME=[JSON list], got '${text}'`);
    }
    const name = text.slice(0, eq);
    const parameter = known(declared, name);
    if (name in grid) {
      throw new ParameterValueError(`parameter ${name} is swept twice: give all its values in one --sweep ${name}=V1,V2,...`);
    }
    const values = text.slice(eq + 1);
    grid[name] = jsonList(values) ?? splitSweepValues(values).map(value => parseParameterText(parameter, value));
  }
  return grid;
}

/**
 * The runs' parameter overrides, one per point of the grid (the cartesian product, the first swept
 * parameter varying slowest), each checked against its parameter's type; `fixed` (values set for
 * every run, the CLI's `--param`) may not name a swept parameter.
 */
export function sweepPoints(
  declared: readonly Parameter[],
  grid: Readonly<SweepGrid>,
  fixed: Readonly<Record<string, JsonValue>> = {}
): Array<Record<string, JsonValue>> {
  const names = Object.keys(grid);
  if (!names.length) {
    throw new ParameterValueError('a sweep needs at least one parameter with values (NAME=V1,V2,...)');
  }
  for (const name of names) {
    known(declared, name);
    const values = grid[name];
    if (!Array.isArray(values) || values.length === 0) {
      throw new ParameterValueError(`parameter ${name}: a sweep needs at least one value`);
    }
    if (name in fixed) {
      throw new ParameterValueError(`parameter ${name} is both set and swept: drop its --param, or its --sweep`);
    }
    const texts = values.map(v => JSON.stringify(v));
    const twice = texts.find((t, i) => texts.indexOf(t) !== i);
    if (twice !== undefined) {
      throw new ParameterValueError(`parameter ${name}: the value ${twice} is listed twice in its sweep`);
    }
    values.forEach(value => resolveParameterValues(declared, { [name]: value }));
  }
  const count = names.reduce((n, name) => n * grid[name].length, 1);
  if (count > MAX_SWEEP_POINTS) {
    throw new ParameterValueError(`the sweep has ${count} points, more than ${MAX_SWEEP_POINTS}: sweep fewer values, or in several sweeps`);
  }
  let points: Array<Record<string, JsonValue>> = [{}];
  for (const name of names) {
    points = points.flatMap(point => grid[name].map(value => ({ ...point, [name]: value })));
  }
  return points;
}
