/** Builds small nbformat 4 notebooks for tests. */
export type CellSpec = string | { code: string; tags?: string[] } | { markdown: string };

export function notebookJson(cells: CellSpec[], metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata,
    cells: cells.map((cell, index) => {
      if (typeof cell === 'string') {
        return { cell_type: 'code', id: `c${index}`, metadata: {}, source: cell, outputs: [], execution_count: null };
      }
      if ('markdown' in cell) {
        return { cell_type: 'markdown', id: `c${index}`, metadata: {}, source: cell.markdown };
      }
      return {
        cell_type: 'code',
        id: `c${index}`,
        metadata: cell.tags ? { tags: cell.tags } : {},
        source: cell.code.split(/(?<=\n)/),
        outputs: [],
        execution_count: null
      };
    })
  };
}

/** A cell tagged `step:NAME` (plus any other tags). */
export function step(name: string, code: string, ...tags: string[]): CellSpec {
  return { code, tags: [`step:${name}`, ...tags] };
}
