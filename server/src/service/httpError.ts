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
 * Answers every error as `{error: message}`: the application's errors with their kind's status,
 * fastify's own validation errors with theirs (4xx), anything else 500.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    if (error instanceof CellpipeError) {
      return reply.code(STATUS[error.kind]).send({ error: error.message });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return reply.code(status).send({ error: error.message });
  });
}
