import { request } from 'node:http';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createService } from './app';
import { listen } from './listen';
import { readCookie } from './security';

const SECRET = 'test-secret-0123456789abcdef';

interface Reply {
  status: number;
  /** The JSON object the service answered with (a health report, `{ error }`, ...), or null for an empty body. */
  body: Record<string, unknown> | null;
}

/** One real HTTP request over the service's Unix socket. */
function call(socketPath: string, method: string, path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers }, res => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', chunk => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : null }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('service security over a Unix socket', () => {
  let dir: string;
  let socket: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellpipe-svc-'));
    socket = join(dir, 'svc.sock');
    app = createService({ secret: SECRET });
    // A mutating route standing in for the real ones, to see the XSRF check let a good request through.
    app.post('/api/echo', async () => ({ ok: true }));
    await listen(app, { socket });
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the health check when the secret is given', async () => {
    const reply = await call(socket, 'GET', '/api/health', { 'X-Cellpipe-Secret': SECRET });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'ok', pid: process.pid });
    expect(reply.body?.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    ['no secret', {}],
    ['a wrong secret', { 'X-Cellpipe-Secret': 'test-secret-0123456789abcdeX' }],
    ['a prefix of the secret', { 'X-Cellpipe-Secret': SECRET.slice(0, 10) }],
    ['an empty secret', { 'X-Cellpipe-Secret': '' }]
  ])('refuses a request with %s', async (_label, headers) => {
    const reply = await call(socket, 'GET', '/api/health', headers as Record<string, string>);
    expect(reply.status).toBe(401);
    expect(reply.body?.error).toMatch(/secret/);
  });

  it.each([
    ['no XSRF token at all', {}],
    ['a header but no cookie', { 'X-XSRFToken': 'abc' }],
    ['a cookie but no header', { Cookie: '_xsrf=abc' }],
    ['a header that differs from the cookie', { 'X-XSRFToken': 'abd', Cookie: 'other=1; _xsrf=abc' }]
  ])('refuses a mutating request with %s', async (_label, headers) => {
    const reply = await call(socket, 'POST', '/api/echo', {
      'X-Cellpipe-Secret': SECRET,
      'Content-Type': 'application/json',
      ...(headers as Record<string, string>)
    });
    expect(reply.status).toBe(403);
    expect(reply.body?.error).toMatch(/_xsrf/);
  });

  it('lets a mutating request through when cookie and header agree', async () => {
    const token = '2|0ab3c4d5|8f9e7d6c5b4a39281706f5e4d3c2b1a0|1700000000';
    const reply = await call(socket, 'POST', '/api/echo', {
      'X-Cellpipe-Secret': SECRET,
      'Content-Type': 'application/json',
      'X-XSRFToken': token,
      Cookie: `username-x=y; _xsrf=${token}`
    });
    expect(reply).toEqual({ status: 200, body: { ok: true } });
  });

  it('makes the socket readable by its owner only', () => {
    expect(statSync(socket).mode & 0o777).toBe(0o600);
  });

  it('refuses to start with a short secret', () => {
    expect(() => createService({ secret: 'short' })).toThrow(/at least 16/);
  });
});

describe('readCookie', () => {
  it.each([
    ['_xsrf=a; b=c', '_xsrf', 'a'],
    ['b=c;_xsrf=a=b', '_xsrf', 'a=b'],
    ['x_xsrf=1', '_xsrf', undefined],
    ['', '_xsrf', undefined]
  ])('reads %s', (header, name, expected) => {
    expect(readCookie(header, name)).toBe(expected);
  });
});
