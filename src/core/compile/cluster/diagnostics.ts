import type { Diagnostic } from '../../notebook';
import { formatErrors } from '../../analysis';

/** Collects diagnostics while compiling. */
export class CompileDiagnostics {
  readonly list: Diagnostic[] = [];

  error(message: string, cell: number | null = null, code = 'compile-invalid-value'): void {
    this.list.push({ severity: 'error', code, message, cell, line: 1, column: 1 });
  }

  warning(message: string, cell: number | null, code: string): void {
    this.list.push({ severity: 'warning', code, message, cell, line: 1, column: 1 });
  }

  get hasErrors(): boolean {
    return this.list.some(d => d.severity === 'error');
  }
}

/** Thrown when a pipeline cannot become a valid cluster document (Workflow, KFP pipeline). */
export class ClusterCompileError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(
      'the pipeline cannot be compiled for the cluster:\n' + formatErrors(diagnostics)
    );
  }
}

/** The result, or ClusterCompileError when there are errors. */
export function orThrow<T>(value: T, diagnostics: Diagnostic[]): T {
  if (diagnostics.some(d => d.severity === 'error')) {
    throw new ClusterCompileError(diagnostics);
  }
  return value;
}
