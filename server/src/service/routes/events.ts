import type { FastifyInstance } from 'fastify';
import { isFinished } from '../../../../src/core/run/api';
import type { RunEvent, RunState } from '../../../../src/core/run/types';
import type { RunService } from '../../app/runService';

/** How often an idle stream sends a comment, so proxies and browsers keep it open. */
export const KEEP_ALIVE_MS = 15000;

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * `GET /api/runs/:id/events`: server-sent events. First the run's current state (`event: state`),
 * then its RunEvents as they happen (`event: run|step|log`), keep-alive comments while idle; the
 * stream ends once the run has finished. A browser EventSource reconnects on its own and gets the
 * current state again, so nothing is lost across a dropped connection.
 */
export function registerEventRoutes(app: FastifyInstance, runs: RunService, keepAliveMs = KEEP_ALIVE_MS): void {
  app.get<{ Params: { id: string } }>('/api/runs/:id/events', async (request, reply) => {
    const runId = request.params.id;
    const pending: RunEvent[] = [];
    // Subscribe before reading the state so no event falls between the two.
    let forward: (event: RunEvent) => void = event => pending.push(event);
    const unsubscribe = runs.subscribe(runId, event => forward(event));
    let state: RunState;
    try {
      state = await runs.state(runId);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no'
    });
    let closed = false;
    const keepAlive = setInterval(() => out.write(': keep-alive\n\n'), keepAliveMs);
    const close = (): void => {
      if (!closed) {
        closed = true;
        clearInterval(keepAlive);
        unsubscribe();
        out.end();
      }
    };
    request.raw.on('close', close);
    out.write(frame('state', state));
    const ended = (event: RunEvent): boolean => event.type === 'run' && isFinished(event.status);
    forward = event => {
      if (!closed) {
        out.write(frame(event.type, event));
        if (ended(event)) {
          close();
        }
      }
    };
    pending.forEach(event => forward(event));
    if (isFinished(state.status) && !runs.isActive(runId)) {
      close();
    }
  });
}
