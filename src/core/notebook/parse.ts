import { diagnostic } from './diagnostic';
import type { CellType, Diagnostic, Notebook, NotebookCell } from './types';
import { cellNumber } from './cellNumber';

export type NotebookParseResult = { notebook: Notebook; diagnostics: Diagnostic[] } | { notebook: null; diagnostics: Diagnostic[] };

const CELL_TYPES: readonly string[] = ['code', 'markdown', 'raw'];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function failure(code: string, message: string): NotebookParseResult {
  return { notebook: null, diagnostics: [diagnostic('error', code, message, null)] };
}

/** nbformat stores text as a string or as a list of lines (each keeping its newline). */
function joinSource(source: unknown): string | null {
  if (typeof source === 'string') {
    return source;
  }
  if (Array.isArray(source) && source.every(line => typeof line === 'string')) {
    return source.join('');
  }
  return null;
}

function readCell(raw: unknown, index: number, diagnostics: Diagnostic[]): NotebookCell {
  const cell: NotebookCell = { index, id: null, cellType: 'raw', source: '', tags: [] };
  if (!isRecord(raw)) {
    diagnostics.push(diagnostic('warning', 'invalid-cell', `Cell ${cellNumber(index)} is not an object; it is ignored.`, index));
    return cell;
  }
  if (typeof raw.cell_type === 'string' && CELL_TYPES.includes(raw.cell_type)) {
    cell.cellType = raw.cell_type as CellType;
  } else {
    diagnostics.push(
      diagnostic(
        'warning',
        'invalid-cell',
        `Cell ${cellNumber(index)} has an unknown cell_type ${JSON.stringify(raw.cell_type)}; it is treated as a raw cell and ignored.`,
        index
      )
    );
  }
  if (typeof raw.id === 'string') {
    cell.id = raw.id;
  }
  const source = joinSource(raw.source ?? '');
  if (source === null) {
    diagnostics.push(
      diagnostic(
        'warning',
        'invalid-cell',
        `Cell ${cellNumber(index)} has a source that is neither a string nor a list of strings; it is treated as empty.`,
        index
      )
    );
  } else {
    cell.source = source;
  }
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  const tags = metadata.tags;
  if (Array.isArray(tags)) {
    cell.tags = tags.filter((tag): tag is string => typeof tag === 'string');
    if (cell.tags.length !== tags.length) {
      diagnostics.push(diagnostic('warning', 'invalid-cell', `Cell ${cellNumber(index)} has tags that are not strings; they are ignored.`, index));
    }
  } else if (tags !== undefined) {
    diagnostics.push(diagnostic('warning', 'invalid-cell', `Cell ${cellNumber(index)} has a "tags" entry that is not a list; it is ignored.`, index));
  }
  return cell;
}

/**
 * Reads an nbformat 4 notebook (any minor version) from its JSON text or from already-parsed JSON.
 * Never throws: malformed JSON, other nbformat versions and malformed structure are reported as
 * diagnostics, with `notebook: null` when nothing usable remains.
 */
export function parseNotebook(input: unknown): NotebookParseResult {
  let json: unknown = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return failure('invalid-json', `The notebook is not valid JSON (${detail}). Open it in JupyterLab and save it again, or fix the file by hand.`);
    }
  }
  if (!isRecord(json)) {
    return failure('invalid-notebook', 'The notebook must be a JSON object with "cells", "metadata" and "nbformat".');
  }
  if (typeof json.nbformat !== 'number') {
    return failure('invalid-notebook', 'The notebook has no "nbformat" version number.');
  }
  if (json.nbformat !== 4) {
    return failure(
      'unsupported-nbformat',
      `The notebook is nbformat ${json.nbformat}; cellpipe reads nbformat 4. Convert it with \`jupyter nbconvert --to notebook --nbformat 4\`.`
    );
  }
  if (!Array.isArray(json.cells)) {
    return failure('invalid-notebook', 'The notebook has no "cells" list.');
  }
  const diagnostics: Diagnostic[] = [];
  const cells = json.cells.map((raw, index) => readCell(raw, index, diagnostics));
  return {
    notebook: {
      nbformat: 4,
      nbformatMinor: typeof json.nbformat_minor === 'number' ? json.nbformat_minor : 0,
      cells,
      metadata: isRecord(json.metadata) ? json.metadata : {}
    },
    diagnostics
  };
}
