import { compileStepScripts } from '../../../../src/core/compile';
import type { Pipeline } from '../../../../src/core/pipeline';
import type { JsonValue, RunRequest } from '../../../../src/core/run/types';

/** What the local backend runs for a pipeline: its compiled step scripts and the run's parameter values. */
export function toRunRequest(pipeline: Pipeline, parameters: Record<string, JsonValue>): RunRequest {
  const scripts = compileStepScripts(pipeline);
  return {
    pipelineName: pipeline.name,
    notebookPath: pipeline.notebookPath ?? undefined,
    parameters,
    steps: pipeline.steps.map(s => ({ id: s.id, name: s.name, dependsOn: s.dependsOn, script: scripts.get(s.id)!, cache: s.cache }))
  };
}
