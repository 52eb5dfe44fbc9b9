/**
 * One way to compile a pipeline into the files of a target, with the same checks whoever asks (the
 * CLI's `compile`, the service's `/api/compile`, the cluster backends before they submit): errors
 * of the target's compiler stop it (ClusterCompileError), and a document that its own validator
 * rejects is a bug of cellpipe (InvalidCompileOutput), never written or submitted.
 */
import type { Diagnostic } from '../notebook';
import type { Pipeline } from '../pipeline';
import { ARGO_SETUP_TASK, argoYaml, compileArgo, type ArgoOptions, type ArgoWorkflow } from './argo';
import { validateArgoWorkflow } from './argo/validate';
import { orThrow } from './cluster/diagnostics';
import type { PayloadCodec } from './cluster/stepPayload';
import { compileKfp, KFP_SETUP_TASK, kfpYaml, type KfpOptions, type KfpPipeline } from './kfp';
import { RUNTIME_PATH } from './runtime/contract';
import { compileStepScripts } from './stepScript';

import type { CompiledFile, CompileTarget } from './targetNames';

export { COMPILE_TARGETS, isCompileTarget, type CompiledFile, type CompileTarget } from './targetNames';

/** Options of the cluster targets (scripts take none); `template` is Argo's alone. */
export type TargetOptions = ArgoOptions & KfpOptions;

export interface CompiledTarget {
  target: CompileTarget;
  pipelineName: string;
  files: CompiledFile[];
  /** Warnings: errors throw. */
  diagnostics: Diagnostic[];
  /** argo: the Workflow the files hold. */
  workflow?: ArgoWorkflow;
  /** kfp: the documents the file holds. */
  kfp?: KfpPipeline;
}

/** A compiled document its target's validator rejects: cellpipe's bug, not the user's. */
export class InvalidCompileOutput extends Error {
  constructor(
    readonly target: CompileTarget,
    readonly problems: string[]
  ) {
    super(`cellpipe bug: the compiled ${target} document is invalid:\n${problems.map(p => '  ' + p).join('\n')}`);
  }
}

/** The notebook's file name (else the pipeline's name), without `.ipynb`. */
function baseName(pipeline: Pipeline): string {
  return (pipeline.notebookPath ?? pipeline.name)
    .split('/')
    .pop()!
    .replace(/\.ipynb$/i, '');
}

/** `<notebook>.<target>.yaml`, named after the notebook (else the pipeline). */
function yamlFileName(pipeline: Pipeline, target: CompileTarget): string {
  return `${baseName(pipeline)}.${target}.yaml`;
}

/** Above a cluster target's YAML: where the steps' code is, which the reader of the file does not see. */
function stepCodeComment(pipeline: Pipeline, setupTask: string): string {
  const notebook = pipeline.notebookPath?.split('/').pop();
  const command = `cellpipe compile ${notebook && /^[\w.@+-]+$/.test(notebook) ? notebook : 'NOTEBOOK'} --target scripts -o ${/^[\w.@+-]+$/.test(baseName(pipeline)) ? baseName(pipeline) : 'FOLDER'}-scripts`;
  return [
    ` The code of the steps is not spelled out here: the ${setupTask} task writes the step runtime and each step's`,
    ` script to the run's volume from its step payload (base64 of the gzip of the files), and each step runs its script.`,
    ` To read the scripts: ${command}`
  ].join('\n');
}

/** `codec`: how the cluster targets pack their step payload and the checks unpack it (cluster/stepPayload.ts), default the core's. */
export function compileTarget(pipeline: Pipeline, target: CompileTarget, options: TargetOptions = {}, codec?: PayloadCodec): CompiledTarget {
  const base = { target, pipelineName: pipeline.name };
  switch (target) {
    case 'scripts': {
      // The step scripts, and the runtime file they import at RUNTIME_PATH of the data folder: the
      // folder of these files can be the data folder (CELLPIPE_DATA_DIR=<folder> python <step>.py).
      const { runtime, steps } = compileStepScripts(pipeline);
      return {
        ...base,
        diagnostics: [],
        files: [
          ...[...steps].map(([id, content]) => ({ name: `${id}.py`, content })),
          { name: RUNTIME_PATH, content: runtime },
          { name: 'pipeline.json', content: JSON.stringify(pipeline, null, 1) + '\n' }
        ]
      };
    }
    case 'argo': {
      const { workflow, diagnostics } = compileArgo(pipeline, options, codec?.gzip);
      orThrow(workflow, diagnostics);
      const problems = validateArgoWorkflow(workflow, codec?.gunzip);
      if (problems.length) {
        throw new InvalidCompileOutput(target, problems);
      }
      return {
        ...base,
        diagnostics,
        workflow,
        files: [{ name: yamlFileName(pipeline, target), content: argoYaml(workflow, stepCodeComment(pipeline, ARGO_SETUP_TASK)) }]
      };
    }
    case 'kfp': {
      const kfp = compileKfp(pipeline, options, codec?.gzip);
      orThrow(kfp, kfp.diagnostics);
      return {
        ...base,
        diagnostics: kfp.diagnostics,
        kfp,
        files: [{ name: yamlFileName(pipeline, target), content: kfpYaml(kfp, stepCodeComment(pipeline, KFP_SETUP_TASK)) }]
      };
    }
  }
}
