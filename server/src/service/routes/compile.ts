import type { FastifyInstance } from 'fastify';
import type { CompileResult, PackagesReport } from '../../../../src/core/run/api';
import { notebookPackages } from '../../app/environments';
import { compileNotebook } from '../../app/compileNotebook';
import { notebookUnderRoot } from '../../app/notebookFile';
import type { PythonResolver } from '../../app/pythonResolver';
import { bodyOf, optionalText } from '../requestBody';

/** `POST /api/compile {path, target}`: compiles a notebook from disk into the target's files; `POST /api/packages`. */
export function registerCompileRoutes(app: FastifyInstance, root: string, pythons: PythonResolver): void {
  app.post('/api/compile', async (request): Promise<CompileResult> => {
    const body = bodyOf(request.body);
    const { target, pipelineName, files } = await compileNotebook(
      notebookUnderRoot(root, body.path),
      { target: body.target ?? 'scripts', python: optionalText(body, 'python') },
      { pythons }
    );
    return { target, pipelineName, files };
  });

  /** What a cluster installs for each step, pinned to the notebook kernel's packages (starts that Python). */
  app.post('/api/packages', async (request): Promise<PackagesReport> => {
    const body = bodyOf(request.body);
    return notebookPackages(notebookUnderRoot(root, body.path), pythons, optionalText(body, 'python'));
  });
}
