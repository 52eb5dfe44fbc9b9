import { compileStepScripts } from '../../../src/core/compile';
import type { Notebook } from '../../../src/core/notebook';
import type { Pipeline } from '../../../src/core/pipeline';
import type { JsonValue, RunRequest } from '../../../src/core/run/types';
import { resolvePython } from '../backends/local/python';

/**
 * What a backend runs for a pipeline: its compiled step scripts and the run's parameters. Shared by
 * `cellpipe run` and the service, so both run a notebook the same way.
 */
export function toRunRequest(
  pipeline: Pipeline,
  parameters: Record<string, JsonValue>,
  notebookPath: string | undefined = pipeline.notebookPath ?? undefined
): RunRequest {
  const scripts = compileStepScripts(pipeline);
  return {
    pipelineName: pipeline.name,
    notebookPath,
    parameters,
    steps: pipeline.steps.map(s => ({ id: s.id, name: s.name, dependsOn: s.dependsOn, script: scripts.get(s.id)!, cache: s.cache }))
  };
}

/** The Python that runs a notebook's steps: the one given, else its kernel's (see resolvePython). */
export function notebookPython(notebook: Notebook, explicit: string | undefined): string {
  const kernelspec = notebook.metadata.kernelspec as { name?: unknown } | undefined;
  return resolvePython({ explicit, kernelName: typeof kernelspec?.name === 'string' ? kernelspec.name : undefined });
}
