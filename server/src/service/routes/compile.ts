import type { FastifyInstance } from 'fastify';
import type { CompileResult } from '../../../../src/core/run/api';
import { compileNotebook } from '../../app/compileNotebook';
import { notebookUnderRoot } from '../../app/notebookFile';
import { bodyOf } from '../requestBody';

/** `POST /api/compile {path, target}`: compiles a notebook from disk into the target's files. */
export function registerCompileRoutes(app: FastifyInstance, root: string): void {
  app.post('/api/compile', async (request): Promise<CompileResult> => {
    const body = bodyOf(request.body);
    const { target, pipelineName, files } = compileNotebook(notebookUnderRoot(root, body.path), body.target ?? 'scripts');
    return { target, pipelineName, files };
  });
}
