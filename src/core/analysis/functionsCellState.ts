/**
 * `functions-cell-state`: an `imports` or `functions` cell that builds state (`net = Net()`). Such
 * cells run again at the start of every step, so each step builds its own object where Run All
 * builds one, and a step that should see another's changes (a trained `net`) may see a fresh one.
 */
import { diagnostic, type Diagnostic, type Notebook, type NotebookPlan } from '../notebook';
import { LineIndex } from './lineIndex';
import type { CellFacts } from './types';

/** The prelude tag a cell carries, as the user wrote it. */
function preludeTag(tags: readonly string[]): string {
  return tags.includes('functions') ? 'functions' : 'imports';
}

/** One warning per module-level assignment from a call in a prelude cell, on its statement. */
export function functionsCellState(notebook: Notebook, plan: NotebookPlan, facts: ReadonlyArray<CellFacts | null>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const cell of plan.preludeCells) {
    const cellFacts = facts[cell];
    const { source, tags } = notebook.cells[cell];
    for (const binding of cellFacts?.bindings ?? []) {
      const declaration = binding.declaration !== null ? cellFacts!.declarations[binding.declaration] : undefined;
      if (binding.value !== 'call' || declaration?.kind !== 'statement') {
        continue;
      }
      const { line, column } = new LineIndex(source).position(declaration.from);
      const tag = preludeTag(tags);
      diagnostics.push(
        diagnostic(
          'warning',
          'functions-cell-state',
          `'${binding.name}' is built by calling ${binding.callee} in ${tag === 'imports' ? 'an' : 'a'} '${tag}' cell, which runs again at the start of every step: each step gets a new '${binding.name}' where Run All builds one. Move this statement into the step that first uses '${binding.name}' (cellpipe passes it on to later steps); keep only def, class and import statements in '${tag}' cells.`,
          cell,
          line,
          column
        )
      );
    }
  }
  return diagnostics;
}
