import type { Diagnostic, Severity } from './types';

/** Builds a diagnostic; position defaults to the start of the cell (or notebook). */
export function diagnostic(severity: Severity, code: string, message: string, cell: number | null, line = 1, column = 1): Diagnostic {
  return { severity, code, message, cell, line, column };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some(d => d.severity === 'error');
}

/** Orders diagnostics by cell (notebook-level first), line and column. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort((a, b) => (a.cell ?? -1) - (b.cell ?? -1) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
}
