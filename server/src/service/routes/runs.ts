import type { FastifyInstance } from 'fastify';
import type { BackendName } from '../../../../src/core/run/api';
import { notebookUnderRoot } from '../../app/notebookFile';
import type { RunService, StartRunRequest } from '../../app/runService';
import { CellpipeError } from '../../errors';
import { bodyOf, optionalNumber, optionalText, optionalValues } from '../requestBody';
import { stepMember } from '../../app/stepMember';

/** The response header of `GET /api/runs` naming the runs left out because their record is unreadable. */
export const SKIPPED_RUNS_HEADER = 'x-cellpipe-skipped-runs';

interface RunParams {
  id: string;
}

interface StepParams extends RunParams {
  stepId: string;
}

/** A StartRunBody (core/run/api.ts) as the application's request; the notebook under the Jupyter root. */
export function startRunRequest(body: Record<string, unknown>, root: string): StartRunRequest {
  return {
    notebook: notebookUnderRoot(root, body.path),
    parameters: optionalValues(body, 'parameters'),
    backend: (optionalText(body, 'backend') ?? 'local') as BackendName,
    python: optionalText(body, 'python'),
    workers: optionalNumber(body, 'workers'),
    namespace: optionalText(body, 'namespace'),
    image: optionalText(body, 'image'),
    kfpHost: optionalText(body, 'kfpHost')
  };
}

/** Runs: prepare, start, list for a notebook, read, cancel, retry; step logs and outputs. */
export function registerRunRoutes(app: FastifyInstance, runs: RunService, root: string): void {
  app.post('/api/runs', async (request, reply) => {
    const handle = await runs.start(startRunRequest(bodyOf(request.body), root));
    return reply.code(201).send(await runs.state(handle.runId));
  });

  // Local runs of this notebook will start at once (see RunService.prepare).
  app.post('/api/runs/prepare', async (request, reply) => {
    const body = bodyOf(request.body);
    await runs.prepare(notebookUnderRoot(root, body.path), optionalText(body, 'python'));
    return reply.code(204).send();
  });

  // The runs of one notebook, by its path relative to the root (a deleted notebook keeps its history).
  // Runs whose record is unreadable are left out, logged, and named in a header (SKIPPED_RUNS_HEADER).
  app.get<{ Querystring: { path?: unknown } }>('/api/runs', async (request, reply) => {
    const path = request.query.path;
    if (typeof path !== 'string' || path === '') {
      throw new CellpipeError('invalid', "give the notebook as '?path=' (relative to the Jupyter root)");
    }
    const listing = await runs.list(path);
    if (listing.unreadable.length) {
      listing.unreadable.forEach(bad => request.log.warn(`skipped run ${bad.runId}: ${bad.problem}`));
      reply.header(SKIPPED_RUNS_HEADER, listing.unreadable.map(bad => bad.runId).join(', '));
    }
    return listing.runs;
  });

  app.get<{ Params: RunParams }>('/api/runs/:id', async request => runs.state(request.params.id));

  app.post<{ Params: RunParams }>('/api/runs/:id/cancel', async request => {
    await runs.cancel(request.params.id);
    return runs.state(request.params.id);
  });

  // A RetryRunBody (core/run/api.ts).
  app.post<{ Params: RunParams }>('/api/runs/:id/retry', async request => {
    const body = bodyOf(request.body);
    const code = optionalText(body, 'code') ?? 'notebook';
    if (code !== 'notebook' && code !== 'run') {
      throw new CellpipeError(
        'invalid',
        `'code' is 'notebook' (the notebook as it is now, the default) or 'run' (the run's own code), got '${code}'`
      );
    }
    const handle = await runs.retry(request.params.id, {
      from: optionalText(body, 'from'),
      notebook: code === 'notebook' ? path => notebookUnderRoot(root, path) : undefined
    });
    return runs.state(handle.runId);
  });

  // `?item=N`: one item of a fan-out step; `?rank=N`: one worker of a distributed step.
  app.get<{ Params: StepParams; Querystring: { item?: unknown; rank?: unknown } }>('/api/runs/:id/steps/:stepId/log', async (request, reply) =>
    reply
      .type('text/plain; charset=utf-8')
      .send(await runs.stepLog(request.params.id, request.params.stepId, stepMember(request.query.item, request.query.rank)))
  );

  app.get<{ Params: StepParams }>('/api/runs/:id/steps/:stepId/outputs', async request => runs.stepOutputs(request.params.id, request.params.stepId));

  // A RunCellOutputsReply (core/run/cellOutputs.ts): what the cells show, all of them or one step's.
  app.get<{ Params: RunParams; Querystring: { step?: unknown } }>('/api/runs/:id/cell-outputs', async request => {
    const step = request.query.step;
    if (step !== undefined && (typeof step !== 'string' || step === '')) {
      throw new CellpipeError('invalid', "give one step as '?step=' (its name or id), or none for every step");
    }
    return runs.cellOutputs(request.params.id, step);
  });

  // The executed notebook, as a file to save.
  app.get<{ Params: RunParams }>('/api/runs/:id/notebook', async (request, reply) => {
    const { fileName, notebook } = runs.executedNotebook(request.params.id);
    return reply
      .type('application/x-ipynb+json')
      .header('content-disposition', attachment(fileName))
      .send(JSON.stringify(notebook, null, 1) + '\n');
  });
}

/**
 * A Content-Disposition naming a file to save (RFC 6266): an ASCII `filename` for old clients, the
 * exact name as `filename*` (percent-encoded UTF-8), so no character of a notebook's name can end
 * the header or add another.
 */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^A-Za-z0-9._ -]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
