import { createHash } from 'node:crypto';
import { compileStepScripts, stepCodeIdentity } from '../../../../src/core/compile';
import type { Pipeline } from '../../../../src/core/pipeline';
import type { JsonValue, RunRequest } from '../../../../src/core/run/types';

/**
 * What the local backend runs for a pipeline: its compiled step scripts, the runtime file they
 * share, the modules each step imports (for the launcher) and the run's parameter values.
 */
export function toRunRequest(pipeline: Pipeline, parameters: Record<string, JsonValue>): RunRequest {
  const { runtime, steps: scripts } = compileStepScripts(pipeline);
  return {
    pipelineName: pipeline.name,
    notebookPath: pipeline.notebookPath ?? undefined,
    parameters,
    runtime,
    steps: pipeline.steps.map(s => ({
      id: s.id,
      name: s.name,
      dependsOn: s.dependsOn,
      script: scripts.get(s.id)!,
      cache: s.cache,
      codeKey: createHash('sha256').update(stepCodeIdentity(pipeline, s)).digest('hex'),
      parameters: s.parameters,
      imports: s.imports,
      setsEnvironment: s.setsEnvironment,
      ...(s.fanOut ? { fanOut: { over: s.fanOut.over, from: s.fanOut.from, parallelism: s.fanOut.parallelism } } : {}),
      ...(s.distributed ? { distributed: { workers: s.distributed.workers } } : {}),
      ...(s.serve ? { serve: { name: s.serve.name } } : {})
    }))
  };
}
