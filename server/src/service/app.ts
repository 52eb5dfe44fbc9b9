import Fastify, { type FastifyInstance } from 'fastify';
import { installSecurity } from './security';
import { VERSION } from '../version';

export interface ServiceOptions {
  /** Per-launch secret every request must carry (see security.ts). */
  secret: string;
  /** Log requests to stderr. */
  logger?: boolean;
}

export interface HealthReport {
  status: 'ok';
  version: string;
  pid: number;
  node: string;
  uptimeSeconds: number;
}

/** The HTTP service behind Jupyter: routes under /api, every one behind the security hook. */
export function createService(options: ServiceOptions): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  installSecurity(app, options.secret);

  app.get('/api/health', async (): Promise<HealthReport> => ({
    status: 'ok',
    version: VERSION,
    pid: process.pid,
    node: process.version,
    uptimeSeconds: Math.round(process.uptime())
  }));

  return app;
}
