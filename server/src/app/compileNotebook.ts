import { formatDiagnostic } from '../../../src/core/analysis';
import { ClusterCompileError } from '../../../src/core/compile/cluster/diagnostics';
import { COMPILE_TARGETS } from '../../../src/core/compile/targetNames';
import { compileTarget, InvalidCompileOutput, isCompileTarget, type CompiledTarget, type TargetOptions } from '../../../src/core/compile/targets';
import { CellpipeError } from '../errors';
import { nodeCodec } from '../nodeCodec';
import { withClusterEnvironments } from './environments';
import { loadPipeline } from './loadPipeline';
import type { NotebookFile } from './notebookFile';
import type { PythonResolver } from './pythonResolver';

export interface CompileRequest {
  target: unknown;
  options?: TargetOptions;
  /** Cluster targets: the Python whose packages the steps' environments are pinned to; default the notebook kernel's. */
  python?: string;
}

/**
 * A notebook compiled into the files of a target, checked the same way for the CLI, the service
 * and the backends (core/compile/targets.ts). Cluster targets carry each step's environment, pinned
 * to the notebook kernel's packages. Warnings go to `warn`.
 */
export async function compileNotebook(
  file: NotebookFile,
  request: CompileRequest,
  context: { pythons: PythonResolver; warn?: (line: string) => void }
): Promise<CompiledTarget> {
  const { target, options = {} } = request;
  const warn = context.warn ?? (() => undefined);
  if (!isCompileTarget(target)) {
    throw new CellpipeError('invalid', `unknown target '${String(target)}': use one of ${COMPILE_TARGETS.join(', ')}`);
  }
  if (options.template && target !== 'argo') {
    throw new CellpipeError('invalid', 'a WorkflowTemplate is an Argo target: template applies to the argo target only');
  }
  const loaded = loadPipeline(file, warn);
  let pipeline = loaded.pipeline;
  if (target !== 'scripts') {
    const cluster = await withClusterEnvironments(loaded, file, context.pythons, request.python);
    cluster.diagnostics.forEach(d => warn(formatDiagnostic(d)));
    pipeline = cluster.pipeline;
  }
  const compiled = asCellpipeError(() => compileTarget(pipeline, target, options, nodeCodec));
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
