import type { FastifyInstance } from 'fastify';
import type { RunManager, StartRunInput } from '../runManager';

interface RunParams {
  id: string;
}

interface StepParams extends RunParams {
  stepId: string;
}

/** Runs: prepare, start, list for a notebook, read, cancel, retry; step logs and outputs. */
export function registerRunRoutes(app: FastifyInstance, runs: RunManager): void {
  app.post<{ Body: StartRunInput }>('/api/runs', async (request, reply) => {
    const state = await runs.start(request.body ?? ({} as StartRunInput));
    return reply.code(201).send(state);
  });

  // Local runs of this notebook will start at once (see RunManager.prepare).
  app.post<{ Body: { path?: unknown; python?: unknown } }>('/api/runs/prepare', async (request, reply) => {
    await runs.prepare(request.body ?? {});
    return reply.code(204).send();
  });

  app.get<{ Querystring: { path?: string } }>('/api/runs', async request => runs.history(request.query.path));

  app.get<{ Params: RunParams }>('/api/runs/:id', async request => runs.state(request.params.id));

  app.post<{ Params: RunParams }>('/api/runs/:id/cancel', async request => runs.cancel(request.params.id));

  app.post<{ Params: RunParams }>('/api/runs/:id/retry', async request => runs.retry(request.params.id));

  app.get<{ Params: StepParams }>('/api/runs/:id/steps/:stepId/log', async (request, reply) =>
    reply.type('text/plain; charset=utf-8').send(runs.log(request.params.id, request.params.stepId))
  );

  app.get<{ Params: StepParams }>('/api/runs/:id/steps/:stepId/outputs', async request =>
    runs.outputs(request.params.id, request.params.stepId)
  );
}
