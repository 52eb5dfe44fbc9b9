import { setDiagnostics, type Diagnostic as LintDiagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import type { EditorView } from '@codemirror/view';
import type { Cell } from '@jupyterlab/cells';
import type { Diagnostic } from '../core/notebook';

/**
 * Diagnostics as marks in a cell's editor, with CodeMirror's own lint UI (a wavy underline, the
 * message on hover): the name or token at the diagnostic's line and column, else the rest of the
 * line. A cell's marks are replaced only when its diagnostics change.
 */
const shown = new WeakMap<Cell, string>();

/** The offsets a diagnostic covers in `doc`, clamped to it (the analysis may lag the typing). */
export function markRange(doc: Text, line: number, column: number): { from: number; to: number } {
  const at = doc.line(Math.min(Math.max(1, line), doc.lines));
  const from = Math.min(at.from + Math.max(0, column - 1), at.to);
  const rest = doc.sliceString(from, at.to);
  const token = /^[\p{L}\p{N}_]+|^\S+/u.exec(rest)?.[0] ?? rest;
  return { from, to: token ? from + token.length : at.to };
}

export function toLintDiagnostics(doc: Text, diagnostics: Diagnostic[]): LintDiagnostic[] {
  return diagnostics.map(d => ({ ...markRange(doc, d.line, d.column), severity: d.severity, message: d.message, source: `cellpipe: ${d.code}` }));
}

export function showEditorMarks(cell: Cell, diagnostics: Diagnostic[]): void {
  const view = (cell.editor as { editor?: EditorView } | null)?.editor;
  if (!view?.dispatch) {
    return; // not yet rendered (windowed notebook) or not a CodeMirror editor
  }
  const key = JSON.stringify(diagnostics.map(d => [d.line, d.column, d.severity, d.code, d.message]));
  if (shown.get(cell) === key) {
    return;
  }
  shown.set(cell, key);
  view.dispatch(setDiagnostics(view.state, toLintDiagnostics(view.state.doc, diagnostics)));
}
