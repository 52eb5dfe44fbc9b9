import type { FastifyInstance } from 'fastify';
import { CliError } from '../cli/notebookFile';

/** An error a route answers with: its status code and a message that says what to do. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string
  ) {
    super(message);
  }
}

/**
 * Answers every error as `{error: message}`: HttpErrors with their own status, the CLI's notebook
 * errors (a notebook that cannot become a pipeline is 422, bad parameters 400), fastify's own
 * validation errors 400, anything else 500.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send({ error: error.message });
    }
    if (error instanceof CliError) {
      return reply.code(error.exitCode === 1 ? 422 : 400).send({ error: error.message });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return reply.code(status).send({ error: error.message });
  });
}
