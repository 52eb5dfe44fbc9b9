import { realpathSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { CellpipeError, type ErrorKind } from '../errors';

/** The HTTP status of each kind of error the application raises. */
const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unsupported: 409,
  notebook: 422,
  unavailable: 502,
  bug: 500
};

/**
 * A message with the files under the Jupyter root named as JupyterLab names them, relative to it:
 * the user sees the server's folders nowhere else (a Python's traceback, an OS error may name them).
 */
export function relativeToRoot(message: string, root: string | undefined): string {
  if (!root) {
    return message;
  }
  let real = root;
  try {
    real = realpathSync(root);
  } catch {
    // a root that is gone: its given spelling only
  }
  return [...new Set([real, root])].reduce((text, folder) => text.split(`${folder.replace(/\/+$/, '')}/`).join(''), message);
}

/**
 * Answers every error as `{error: message}`: the application's errors with their kind's status,
 * fastify's own validation errors with theirs (4xx), anything else 500. Paths under `root` (the
 * Jupyter root) are named relative to it.
 */
export function installErrorHandler(app: FastifyInstance, root?: string): void {
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const message = relativeToRoot(error.message, root);
    if (error instanceof CellpipeError) {
      return reply.code(STATUS[error.kind]).send({ error: message });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return reply.code(status).send({ error: message });
  });
}
