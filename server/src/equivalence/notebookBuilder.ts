import { writeFileSync } from 'node:fs';

/** A code cell as [tags, source]; tags may be empty. */
export type CellSpec = [tags: string[], source: string];

/** Writes a minimal nbformat 4 notebook of code cells, for specs that need a notebook of their own. */
export function writeNotebook(path: string, cells: CellSpec[]): void {
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map(([tags, source], i) => ({
      cell_type: 'code',
      id: `cell-${i}`,
      metadata: tags.length ? { tags } : {},
      execution_count: null,
      outputs: [],
      source
    }))
  };
  writeFileSync(path, JSON.stringify(notebook, null, 1));
}
