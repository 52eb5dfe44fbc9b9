/**
 * The number a person knows a cell by: JupyterLab, like every notebook viewer, counts cells from 1.
 * Indices (0-based) stay inside the data (diagnostics, step states, plans); every text meant for
 * people (messages, tracebacks' `<cell N: step S>`, reports, file headers) says this number.
 */
export function cellNumber(index: number): number {
  return index + 1;
}

/** Several cells by their numbers: `3, 4, 7`. */
export function cellNumbers(indices: readonly number[]): string {
  return indices.map(cellNumber).join(', ');
}
