/** Builds small nbformat 4 notebooks for tests. */
export type CellSpec = string | { code: string; tags?: string[] } | { markdown: string };

/** An nbformat 4 code cell. */
export interface CodeCell {
  cell_type: 'code';
  id?: string;
  metadata: { tags?: string[] };
  source: string | string[];
  outputs: [];
  execution_count: null;
}

export function codeCell(source: string | string[], tags?: string[], id?: string): CodeCell {
  return { cell_type: 'code', ...(id ? { id } : {}), metadata: tags ? { tags } : {}, source, outputs: [], execution_count: null };
}

export function notebookJson(cells: CellSpec[], metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata,
    cells: cells.map((cell, index) => {
      if (typeof cell === 'string') {
        return codeCell(cell, undefined, `c${index}`);
      }
      if ('markdown' in cell) {
        return { cell_type: 'markdown', id: `c${index}`, metadata: {}, source: cell.markdown };
      }
      return codeCell(cell.code.split(/(?<=\n)/), cell.tags, `c${index}`);
    })
  };
}

/** A cell tagged `step:NAME` (plus any other tags). */
export function step(name: string, code: string, ...tags: string[]): CellSpec {
  return { code, tags: [`step:${name}`, ...tags] };
}
