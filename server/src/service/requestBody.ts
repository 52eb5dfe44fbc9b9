import type { JsonValue } from '../../../src/core/run/types';
import { CellpipeError } from '../errors';

/** Readers of untyped request bodies: each returns the field or refuses it in words ('invalid', 400). */

export function optionalText(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new CellpipeError('invalid', `'${field}' must be text, got ${JSON.stringify(value)}`);
  }
  return value.trim() || undefined;
}

export function optionalNumber(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number') {
    throw new CellpipeError('invalid', `'${field}' must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `{name: value}` of typed JSON values. */
export function optionalValues(body: Record<string, unknown>, field: string): Record<string, JsonValue> | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new CellpipeError('invalid', `'${field}' must be an object of values by name`);
  }
  return value as Record<string, JsonValue>;
}

export function bodyOf(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
