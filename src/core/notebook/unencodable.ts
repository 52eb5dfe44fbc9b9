/**
 * Lone UTF-16 surrogates: JSON's `\ud800` escape puts half of a surrogate pair in a notebook's
 * strings, but no UTF-8 file, YAML document or Python source can hold one (Python raises
 * UnicodeEncodeError, Node silently writes U+FFFD). Every notebook string that reaches a generated
 * file (tags, cellpipe's and Kale's notebook settings) is checked here; cell sources are checked
 * by the analysis, with their line and column.
 */
import { diagnostic } from './diagnostic';
import type { Diagnostic, Notebook } from './types';
import { cellNumber } from './cellNumber';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The offset of the first lone surrogate in `text`, or -1. */
export function loneSurrogateAt(text: string): number {
  return LONE_SURROGATE.exec(text)?.index ?? -1;
}

/** The notebook-level metadata keys whose values cellpipe reads (metadata.ts). */
const SETTINGS_KEYS = ['cellpipe', 'kubeflow_notebook'];

/** The JSON path of the first string (key or value) in `value` holding a lone surrogate, or null. */
function firstUnencodable(value: unknown, path: string): string | null {
  if (typeof value === 'string') {
    return loneSurrogateAt(value) >= 0 ? path : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstUnencodable(value[i], `${path}[${i}]`);
      if (found) {
        return found;
      }
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = loneSurrogateAt(key) >= 0 ? path : firstUnencodable(item, `${path}.${key}`);
      if (found) {
        return found;
      }
    }
  }
  return null;
}

const WHAT_TO_DO = 'Retype it in JupyterLab (a lone surrogate comes from a "\\udXXX" escape in the .ipynb file), or remove it.';

/** An error per cell tag and per settings entry that holds a lone surrogate. */
export function unencodableText(notebook: Notebook): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const cell of notebook.cells) {
    for (const tag of cell.tags) {
      if (loneSurrogateAt(tag) >= 0) {
        diagnostics.push(
          diagnostic(
            'error',
            'unencodable-text',
            `Tag ${JSON.stringify(tag)} of cell ${cellNumber(cell.index)} holds a lone UTF-16 surrogate, which no generated file or Python process can encode. ${WHAT_TO_DO}`,
            cell.index
          )
        );
      }
    }
  }
  for (const key of SETTINGS_KEYS) {
    const path = firstUnencodable(notebook.metadata[key], `metadata.${key}`);
    if (path) {
      diagnostics.push(
        diagnostic(
          'error',
          'unencodable-text',
          `The notebook setting ${path} holds a lone UTF-16 surrogate, which no generated file or Python process can encode. ${WHAT_TO_DO}`,
          null
        )
      );
    }
  }
  return diagnostics;
}
