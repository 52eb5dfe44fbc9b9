import type { FastifyInstance } from 'fastify';
import { compileStepScripts } from '../../../../src/core/compile';
import { argoYaml, ClusterCompileError, compileArgoWorkflow } from '../../../../src/core/compile/argo';
import { compileKfpPipeline, kfpYaml } from '../../../../src/core/compile/kfp';
import type { Pipeline } from '../../../../src/core/pipeline';
import { loadPipeline } from '../../cli/notebookFile';
import { HttpError } from '../httpError';
import { resolveNotebookPath } from '../notebookPath';

export interface CompiledFile {
  name: string;
  content: string;
}

/** A compiler from the Pipeline IR to the files of one target. */
type Compiler = (pipeline: Pipeline) => CompiledFile[];

const compileScripts: Compiler = pipeline => [
  ...[...compileStepScripts(pipeline)].map(([id, content]) => ({ name: `${id}.py`, content })),
  { name: 'pipeline.json', content: JSON.stringify(pipeline, null, 1) + '\n' }
];

const fileName = (pipeline: Pipeline, target: string): string => `${(pipeline.notebookPath ?? pipeline.name).split('/').pop()!.replace(/\.ipynb$/i, '')}.${target}.yaml`;

/** The targets the service compiles to; a target without a compiler is answered with 501. */
export const COMPILERS: Record<string, Compiler | undefined> = {
  scripts: compileScripts,
  argo: pipeline => [{ name: fileName(pipeline, 'argo'), content: argoYaml(compileArgoWorkflow(pipeline)) }],
  kfp: pipeline => [{ name: fileName(pipeline, 'kfp'), content: kfpYaml(compileKfpPipeline(pipeline)) }]
};

/** `POST /api/compile {path, target}`: compiles a notebook from disk into the target's files. */
export function registerCompileRoutes(app: FastifyInstance, root: string): void {
  app.post<{ Body: { path?: unknown; target?: unknown } }>('/api/compile', async request => {
    const { path, target = 'scripts' } = request.body ?? {};
    if (typeof target !== 'string' || !(target in COMPILERS)) {
      throw new HttpError(400, `unknown target '${String(target)}': use one of ${Object.keys(COMPILERS).join(', ')}`);
    }
    const compiler = COMPILERS[target];
    if (!compiler) {
      throw new HttpError(501, `this version of cellpipe cannot compile to '${target}' yet`);
    }
    const notebook = resolveNotebookPath(root, path);
    const { pipeline } = loadPipeline(notebook.absolute, () => undefined);
    pipeline.notebookPath = notebook.relative;
    try {
      return { target, pipelineName: pipeline.name, files: compiler(pipeline) };
    } catch (error) {
      if (error instanceof ClusterCompileError) {
        throw new HttpError(422, error.message);
      }
      throw error;
    }
  });
}
