import type { Server } from 'node:http';
import type { FastifyHttpOptions } from 'fastify';

/**
 * How long the service waits for a client that connects and then stalls (slowloris: many half-open
 * connections sending a request a byte at a time, or nothing). Node's own defaults are 60 s for the
 * headers and none for the whole request under Fastify, checked every 30 s, so idle connections
 * pile up for minutes. Event streams are unaffected: these limits end at the request's last byte,
 * and the response of `/api/runs/:id/events` may then last as long as the run.
 */
export interface ConnectionTimeouts {
  /** From the connection (or the end of the previous request) to the end of the request's headers. */
  headersMs: number;
  /** From the connection to the end of the request's body (at least headersMs). */
  requestMs: number;
  /** How long a kept-alive connection may sit idle between requests. */
  idleMs: number;
}

/**
 * Jupyter's proxy sends whole requests at once over a local socket: 10 s for the headers and 30 s
 * for a body (notebook paths and parameters, a few KB) leave room for a loaded machine.
 */
export const DEFAULT_CONNECTION_TIMEOUTS: ConnectionTimeouts = { headersMs: 10_000, requestMs: 30_000, idleMs: 5_000 };

/** Fastify's (and through it Node's http.Server's) options enforcing `timeouts`. */
export function connectionTimeoutOptions(given: Partial<ConnectionTimeouts> = {}): FastifyHttpOptions<Server> {
  const { headersMs, requestMs, idleMs } = { ...DEFAULT_CONNECTION_TIMEOUTS, ...given };
  if (!(headersMs > 0 && requestMs >= headersMs && idleMs > 0)) {
    throw new Error(
      `connection timeouts must be positive, with the request's at least the headers' (got ${JSON.stringify({ headersMs, requestMs, idleMs })})`
    );
  }
  return {
    requestTimeout: requestMs,
    keepAliveTimeout: idleMs,
    http: {
      headersTimeout: headersMs,
      requestTimeout: requestMs,
      keepAliveTimeout: idleMs,
      // How often Node looks for connections past these limits (its default: every 30 s).
      connectionsCheckingInterval: Math.max(50, Math.floor(headersMs / 4))
    }
  };
}
