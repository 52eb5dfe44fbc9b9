/**
 * `undefined-name`: a name the code uses that no cell above defines, so Run All would fail there
 * (an error, or a warning when `import *`, `%run` or `exec` above may define it); and a name a
 * function uses that no cell of the notebook defines (pyflakes' "undefined name"), which fails
 * only if the function is called.
 */
import { BUILTINS } from '../builtins';
import type { DataflowCheck, DataflowView, ReportDiagnostic } from '../dataflowCheck';
import type { PlacedSite } from '../stepCode';

export class UndefinedNames implements DataflowCheck {
  constructor(
    private readonly view: DataflowView,
    private readonly report: ReportDiagnostic
  ) {}

  nameUndefined(name: string, site: PlacedSite, deletedBy: string | null): void {
    const uncertain = this.view.unknownNamesAbove;
    const why = deletedBy ? `was deleted (del ${name}) in step ${JSON.stringify(deletedBy)}` : 'is not defined in any cell above';
    this.report(
      uncertain ? 'warning' : 'error',
      'undefined-name',
      `Name '${name}' ${why}, so Run All would fail here${uncertain ? ' (unless import *, %run or exec above defines it)' : ''}. Define it in an earlier cell, or make it a pipeline parameter.`,
      site.cell,
      site
    );
  }

  /** Names functions use that no cell of the notebook defines. */
  dataflowBuilt(): void {
    const { facts, parameters } = this.view.input;
    const defined = new Set<string>(parameters.map(p => p.name));
    let unknown = false;
    for (const cellFacts of facts) {
      cellFacts?.bindings.forEach(binding => defined.add(binding.name));
      cellFacts?.declarations.forEach(d => d.mutates.forEach(name => defined.add(name)));
      unknown ||= Boolean(cellFacts && (cellFacts.bindsUnknownNames || cellFacts.opaque));
    }
    if (unknown) {
      return;
    }
    facts.forEach((cellFacts, cell) => {
      for (const declaration of cellFacts?.declarations ?? []) {
        for (const use of declaration.deferredUses) {
          if (!defined.has(use.name) && !BUILTINS.has(use.name)) {
            this.report(
              'warning',
              'undefined-name',
              `Name '${use.name}' is used in a function but no cell of the notebook defines it; calling the function would fail. Define it, or pass it as an argument.`,
              cell,
              use
            );
          }
        }
      }
    });
  }
}
