import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandler } from './httpError';
import type { HealthReport } from '../../../src/core/run/api';
import { PythonResolver } from '../app/pythonResolver';
import { RunService } from '../app/runService';
import { kfpAuth } from '../backends/kfp/kfpClient';
import { RunStore } from '../backends/runStore';
import { registerCompileRoutes } from './routes/compile';
import { registerPackagesRoutes } from './routes/packages';
import { registerEventRoutes } from './routes/events';
import { registerRunRoutes } from './routes/runs';
import { registerSweepRoutes } from './routes/sweeps';
import { installSecurity } from './security';
import { connectionTimeoutOptions, type ConnectionTimeouts } from './connectionTimeouts';
import { VERSION } from '../version';

export interface ServiceOptions {
  /** Per-launch secret every request must carry (see security.ts). */
  secret: string;
  /** Log requests to stderr. */
  logger?: boolean;
  /**
   * The Jupyter root folder: notebook paths are relative to it and may not leave it. Without it the
   * service answers only its health check.
   */
  root?: string;
  /** Run store folder; default: the user's (defaultHome in runStore.ts), outside the Jupyter root. */
  home?: string;
  /** Keep-alive interval of event streams (tests shorten it). */
  keepAliveMs?: number;
  /**
   * Interpreters the user confirmed for runs (besides the kernels' and the settings'; with
   * CELLPIPE_PYTHONS): a request naming any other Python is refused (see PythonResolver).
   */
  pythons?: readonly string[];
  /** Limits on clients that connect and stall (tests shorten them); see connectionTimeouts.ts. */
  timeouts?: Partial<ConnectionTimeouts>;
  /** List the kernels and start a step launcher now, before the first run (see RunService.warmUp). */
  warmUp?: boolean;
}

/** The HTTP service behind Jupyter: routes under /api, every one behind the security hook. */
export function createService(options: ServiceOptions): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false, ...connectionTimeoutOptions(options.timeouts) });
  installSecurity(app, options.secret);
  installErrorHandler(app, options.root);

  app.get('/api/health', async (): Promise<HealthReport> => ({
    status: 'ok',
    version: VERSION,
    pid: process.pid,
    node: process.version,
    uptimeSeconds: Math.round(process.uptime())
  }));

  if (options.root) {
    const runs = new RunService({
      store: new RunStore(options.home),
      // The service's own KFP_TOKEN / KFP_COOKIE: never taken from a request.
      kfpAuth: kfpAuth(),
      pythons: new PythonResolver({ requested: 'allowed', confirmed: options.pythons })
    });
    if (options.warmUp) {
      runs.warmUp();
    }
    registerRunRoutes(app, runs, options.root);
    registerSweepRoutes(app, runs, options.root);
    registerEventRoutes(app, runs, options.keepAliveMs);
    registerCompileRoutes(app, options.root, runs.pythons);
    registerPackagesRoutes(app, options.root, runs.pythons);
    app.addHook('onClose', async () => {
      runs.cancelAll();
      await runs.settle();
    });
  }
  return app;
}
