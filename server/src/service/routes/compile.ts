import type { FastifyInstance } from 'fastify';
import type { CompileResult } from '../../../../src/core/run/api';
import { compileNotebook } from '../../app/compileNotebook';
import { notebookUnderRoot } from '../../app/notebookFile';
import type { PythonResolver } from '../../app/pythonResolver';
import { bodyOf, optionalText } from '../requestBody';

/** `POST /api/compile {path, target}`: compiles a notebook from disk into the target's files. */
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
}
