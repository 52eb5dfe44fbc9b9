import { formatDiagnostic } from '../../../src/core/analysis';
import { ClusterCompileError } from '../../../src/core/compile/cluster/diagnostics';
import { compileTarget, InvalidCompileOutput, isCompileTarget, type CompiledTarget, type TargetOptions } from '../../../src/core/compile/targets';
import { COMPILE_TARGETS } from '../../../src/core/compile/targetNames';
import { CellpipeError } from '../errors';
import { loadPipeline } from './loadPipeline';
import type { NotebookFile } from './notebookFile';

/**
 * A notebook compiled into the files of a target, checked the same way for the CLI, the service
 * and the backends (core/compile/targets.ts). Warnings go to `warn`.
 */
export function compileNotebook(
  file: NotebookFile,
  target: unknown,
  options: TargetOptions = {},
  warn: (line: string) => void = () => undefined
): CompiledTarget {
  if (!isCompileTarget(target)) {
    throw new CellpipeError('invalid', `unknown target '${String(target)}': use one of ${COMPILE_TARGETS.join(', ')}`);
  }
  if (options.template && target !== 'argo') {
    throw new CellpipeError('invalid', 'a WorkflowTemplate is an Argo target: template applies to the argo target only');
  }
  const { pipeline } = loadPipeline(file, warn);
  const compiled = asCellpipeError(() => compileTarget(pipeline, target, options));
  compiled.diagnostics.forEach(d => warn(formatDiagnostic(d)));
  return compiled;
}

/** Runs `compile`, turning the compilers' own errors into neutral ones. */
export function asCellpipeError<T>(compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    if (error instanceof ClusterCompileError) {
      throw new CellpipeError('notebook', error.message);
    }
    if (error instanceof InvalidCompileOutput) {
      throw new CellpipeError('bug', error.message);
    }
    throw error;
  }
}
