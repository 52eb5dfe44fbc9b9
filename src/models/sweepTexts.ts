import type { Parameter } from '../core/analysis';
import { ParameterValueError } from '../core/run/parameterValues';
import { parseSweepTexts, sweepPoints, type SweepGrid } from '../core/run/sweepGrid';

/** The sweep form's texts (per parameter, its values as `cellpipe run --sweep` takes them), read by type. */
export interface TypedSweepTexts {
  /** The parameters with values that all parse: what the sweep is started with. */
  grid: SweepGrid;
  /** Why a parameter's values do not parse, by name. */
  errors: Record<string, string>;
  /** Runs the sweep would start (0 while nothing is swept or a text is wrong). */
  points: number;
  /** What is wrong with the grid as a whole (too many points), if anything. */
  problem: string | null;
}

const messageOf = (error: unknown): string => {
  if (error instanceof ParameterValueError) {
    return error.message;
  }
  throw error;
};

/**
 * Reads each parameter's values text (`0.1, 0.01`, `a\,b, c`, or a JSON list `["a,b", "c"]`) by
 * its type; blank texts are not swept, and names the notebook no longer declares are left out.
 */
export function typeSweepTexts(declared: readonly Parameter[], texts: Readonly<Record<string, string>>): TypedSweepTexts {
  const typed: TypedSweepTexts = { grid: {}, errors: {}, points: 0, problem: null };
  for (const parameter of declared) {
    const text = texts[parameter.name]?.trim();
    if (!text) {
      continue;
    }
    try {
      const values = parseSweepTexts(declared, [`${parameter.name}=${text}`])[parameter.name];
      // Spaces after the commas of a typed list are not part of its texts; a JSON list's strings are kept as written.
      const grid = { [parameter.name]: text.startsWith('[') ? values : values.map(v => (typeof v === 'string' ? v.trim() : v)) };
      sweepPoints(declared, grid); // each value's type, none listed twice
      typed.grid[parameter.name] = grid[parameter.name];
    } catch (error) {
      typed.errors[parameter.name] = messageOf(error);
    }
  }
  if (Object.keys(typed.grid).length && !Object.keys(typed.errors).length) {
    try {
      typed.points = sweepPoints(declared, typed.grid).length;
    } catch (error) {
      typed.problem = messageOf(error);
    }
  }
  return typed;
}
