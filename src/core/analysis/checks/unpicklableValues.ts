/**
 * `unpicklable-value`: values cellpipe can tell cannot travel between steps, from the binding that
 * made them: open files and generators (an error), lambdas (a warning: they need cloudpickle or
 * dill). Reported where a value first becomes an output.
 */
import type { DataflowCheck, DataflowView, ReportDiagnostic } from '../dataflowCheck';
import type { DataSource } from '../dataflowState';

export class UnpicklableValues implements DataflowCheck {
  constructor(
    private readonly view: DataflowView,
    private readonly report: ReportDiagnostic
  ) {}

  outputAdded(name: string, source: DataSource): void {
    const binding = source.binding;
    if (!binding) {
      return;
    }
    let kind: string | null = null;
    if (binding.value === 'file') {
      kind = 'an open file';
    } else if (binding.value === 'generator') {
      kind = 'a generator';
    } else if (binding.value === 'call' && binding.callee && this.isGeneratorFunction(binding.callee, source.cell)) {
      kind = `a generator (${binding.callee}() is a generator function)`;
    }
    if (kind) {
      this.report(
        'error',
        'unpicklable-value',
        `'${name}' holds ${kind}, which cannot be saved and passed to another step. Turn it into data (e.g. list(...) or the file's contents) in step ${JSON.stringify(source.step)}, or compute it in the step that uses it.`,
        source.cell,
        binding
      );
    } else if (binding.value === 'lambda') {
      this.report(
        'warning',
        'unpicklable-value',
        `'${name}' holds a lambda, which plain pickle cannot save; passing it to another step needs cloudpickle or dill in the step image. Use a def in the functions cell instead.`,
        source.cell,
        binding
      );
    }
  }

  private isGeneratorFunction(name: string, beforeCell: number): boolean {
    const source = this.view.source(name);
    if (source?.kind === 'declaration') {
      return this.view.declaration(source.ref).generators.includes(name);
    }
    const facts = this.view.input.facts[beforeCell];
    return facts?.declarations.some(d => d.generators.includes(name)) ?? false;
  }
}
