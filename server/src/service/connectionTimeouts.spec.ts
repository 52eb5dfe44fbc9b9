import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { RunStore } from '../backends/runStore';
import { createService } from './app';
import { connectionTimeoutOptions } from './connectionTimeouts';
import { listen } from './listen';
import { SECRET_HEADER } from './security';

const SECRET = 'test-secret-0123456789abcdef';
/** Short limits, so that the service must close stalled connections while the test waits. */
const TIMEOUTS = { headersMs: 400, requestMs: 800, idleMs: 400 };
const KEEP_ALIVE_MS = 50;
/** A safety net for a loaded machine, far below Node's own 60 s headers limit that applied before. */
const BOUND_MS = 30_000;

/** A raw TCP connection to the service that writes `chunks` (one every `everyMs`) and resolves when the service closes it. */
function stalledConnection(port: number, chunks: string[], everyMs = 0): { opened: Promise<void>; closed: Promise<string> } {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8').on('data', (text: string) => (received += text));
  socket.on('error', () => undefined); // a reset is a close too
  const opened = new Promise<void>(resolve => socket.once('connect', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  void opened.then(() => {
    const queue = [...chunks];
    const next = (): void => {
      const chunk = queue.shift();
      if (chunk !== undefined && !socket.destroyed) {
        socket.write(chunk);
        timer = setTimeout(next, everyMs);
      }
    };
    next();
  });
  const closed = new Promise<string>(resolve =>
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    })
  );
  return { opened, closed };
}

describe('connections that stall (slowloris)', () => {
  let home: string;
  let app: FastifyInstance;
  let port: number;
  let runningRunId: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'cellpipe-slow-'));
    const store = new RunStore(join(home, '.cellpipe'));
    // A run still going (its runner is this process), whose event stream stays open until it ends.
    runningRunId = store.newRunId('slow');
    await store.create(
      runningRunId,
      { pipelineName: 'slow', parameters: {}, steps: [] },
      {
        runId: runningRunId,
        backend: 'local',
        pipelineName: 'slow',
        status: 'Running',
        createdAt: new Date().toISOString(),
        parameters: {},
        metrics: {},
        steps: [],
        runner: { pid: process.pid, host: hostname() }
      }
    );
    app = createService({ secret: SECRET, root: home, home: store.home, keepAliveMs: KEEP_ALIVE_MS, timeouts: TIMEOUTS });
    const address = await listen(app, { port: 0 });
    port = Number(new URL(address).port);
  });

  afterAll(async () => {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  it(
    'closes 200 connections that send nothing, part of a request, or headers a byte at a time',
    async () => {
      const partialHeaders = `GET /api/health HTTP/1.1\r\nHost: localhost\r\n${SECRET_HEADER}: ${SECRET}\r\n`;
      const partialBody = `POST /api/runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"path":`;
      const kinds = [
        () => stalledConnection(port, []),
        () => stalledConnection(port, [partialHeaders]),
        () => stalledConnection(port, partialHeaders.split(''), 100), // never idle for long, yet never done
        () => stalledConnection(port, [partialBody])
      ];
      const connections = Array.from({ length: 200 }, (_, i) => kinds[i % kinds.length]());
      await Promise.all(connections.map(c => c.opened));
      const answers = await Promise.all(connections.map(c => c.closed)); // the Jest timeout is the bound
      expect(answers).toHaveLength(200);
      // Those that sent something heard why (408), the rest were just closed.
      expect(answers.filter(text => text.startsWith('HTTP/1.1 408')).length).toBeGreaterThan(0);
    },
    BOUND_MS
  );

  it(
    'closes a kept-alive connection left idle after its request was answered',
    async () => {
      const health = `GET /api/health HTTP/1.1\r\nHost: localhost\r\n${SECRET_HEADER}: ${SECRET}\r\nConnection: keep-alive\r\n\r\n`;
      const connection = stalledConnection(port, [health]);
      expect(await connection.closed).toMatch(/^HTTP\/1\.1 200/);
    },
    BOUND_MS
  );

  it(
    'keeps an event stream open for longer than any of these limits',
    async () => {
      const longest = Math.max(...Object.values(TIMEOUTS));
      const keepAlivesToWait = Math.ceil((3 * longest) / KEEP_ALIVE_MS); // three times the longest limit, counted in the service's own keep-alives
      const seen = await new Promise<{ status: number; keepAlives: number; closedEarly: boolean }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: `/api/runs/${runningRunId}/events`, headers: { [SECRET_HEADER]: SECRET } }, res => {
          let keepAlives = 0;
          res.setEncoding('utf8').on('data', (text: string) => {
            keepAlives += text.split(': keep-alive').length - 1;
            if (keepAlives >= keepAlivesToWait) {
              req.destroy();
              resolve({ status: res.statusCode ?? 0, keepAlives, closedEarly: false });
            }
          });
          res.on('close', () => resolve({ status: res.statusCode ?? 0, keepAlives, closedEarly: keepAlives < keepAlivesToWait }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(seen).toEqual({ status: 200, keepAlives: expect.any(Number), closedEarly: false });
    },
    BOUND_MS
  );

  it('refuses limits that cannot work', () => {
    expect(() => connectionTimeoutOptions({ headersMs: 1000, requestMs: 500 })).toThrow(/at least the headers'/);
    expect(() => connectionTimeoutOptions({ idleMs: 0 })).toThrow(/positive/);
  });
});
