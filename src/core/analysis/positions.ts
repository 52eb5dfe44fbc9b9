/**
 * A position in the notebook as one comparable number: cells in notebook order, then offsets in a
 * cell. Offsets beyond 2^26 (64 Mi characters) are clamped; no cell that large is analysed usefully.
 */
const CELL_STRIDE = 2 ** 26;

export function notebookPosition(cell: number, offset: number): number {
  return cell * CELL_STRIDE + Math.min(Math.max(offset, 0), CELL_STRIDE - 1);
}

export function cellStart(cell: number): number {
  return cell * CELL_STRIDE;
}

export function cellEnd(cell: number): number {
  return cell * CELL_STRIDE + CELL_STRIDE - 1;
}
