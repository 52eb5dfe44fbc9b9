import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Header that jupyter-server-proxy adds to every request it forwards (see jupyterlab_cellpipe/server_proxy.py). */
export const SECRET_HEADER = 'x-cellpipe-secret';
/** Header JupyterLab's ServerConnection.makeRequest copies from the `_xsrf` cookie. */
export const XSRF_HEADER = 'x-xsrftoken';
export const XSRF_COOKIE = '_xsrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Value of one cookie from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) {
    return undefined;
  }
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}

function refuse(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).send({ error: message });
}

/**
 * The service trusts only jupyter-server-proxy, which authenticates the user with Jupyter's own
 * auth and adds the per-launch secret. The proxy does not check XSRF, so mutating requests must
 * carry the `_xsrf` cookie and the same value in `X-XSRFToken` (the double-submit check that
 * Jupyter's own handlers perform; a cross-site page can send the cookie but cannot read it).
 */
export function installSecurity(app: FastifyInstance, secret: string): void {
  if (secret.length < 16) {
    throw new Error('the service secret must be at least 16 characters long');
  }
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const given = request.headers[SECRET_HEADER];
    if (typeof given !== 'string' || !sameSecret(given, secret)) {
      return refuse(reply, 401, 'missing or wrong service secret: reach cellpipe through Jupyter');
    }
  });
  // After the body is read: refusing while the proxy still writes it would break its pipe (a 500
  // through Jupyter instead of this 403).
  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    if (SAFE_METHODS.has(request.method)) {
      return;
    }
    const header = request.headers[XSRF_HEADER];
    const cookie = readCookie(request.headers.cookie, XSRF_COOKIE);
    if (typeof header !== 'string' || !cookie || !sameSecret(header, cookie)) {
      return refuse(reply, 403, `'${XSRF_COOKIE}' cookie and '${XSRF_HEADER}' header missing or different`);
    }
  });
}
