import type { FastifyInstance } from 'fastify';
import type { SweepStarted } from '../../../../src/core/run/api';
import type { SweepGrid } from '../../../../src/core/run/sweepGrid';
import type { RunService } from '../../app/runService';
import { CellpipeError } from '../../errors';
import { bodyOf, optionalValues } from '../requestBody';
import { startRunRequest } from './runs';

/** `grid`: swept values by parameter name, each a list (sweepGrid.ts checks the values). */
function gridOf(body: Record<string, unknown>): SweepGrid {
  const grid = optionalValues(body, 'grid');
  if (!grid || !Object.values(grid).every(Array.isArray)) {
    throw new CellpipeError('invalid', '\'grid\' must be an object of value lists by parameter name, e.g. {"lr": [0.1, 0.01]}');
  }
  return grid as SweepGrid;
}

/** Sweeps: start one (a StartSweepBody, core/run/api.ts), read its runs side by side (a SweepReport). */
export function registerSweepRoutes(app: FastifyInstance, runs: RunService, root: string): void {
  app.post('/api/sweeps', async (request, reply) => {
    const body = bodyOf(request.body);
    const handle = await runs.startSweep({ ...startRunRequest(body, root), grid: gridOf(body) });
    const started: SweepStarted = { sweepId: handle.sweepId, runIds: handle.runs.map(run => run.runId) };
    return reply.code(201).send(started);
  });

  app.get<{ Params: { id: string } }>('/api/sweeps/:id', async request => runs.sweep(request.params.id));
}
