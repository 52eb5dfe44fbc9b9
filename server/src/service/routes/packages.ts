import type { FastifyInstance } from 'fastify';
import type { PackagesReport } from '../../../../src/core/run/api';
import { notebookPackages } from '../../app/environments';
import { notebookUnderRoot } from '../../app/notebookFile';
import type { PythonResolver } from '../../app/pythonResolver';
import { bodyOf, optionalText } from '../requestBody';

/** `POST /api/packages {path, python?}`: what a cluster installs for each step, pinned to the notebook kernel's packages (starts that Python). */
export function registerPackagesRoutes(app: FastifyInstance, root: string, pythons: PythonResolver): void {
  app.post('/api/packages', async (request): Promise<PackagesReport> => {
    const body = bodyOf(request.body);
    return notebookPackages(notebookUnderRoot(root, body.path), pythons, optionalText(body, 'python'));
  });
}
