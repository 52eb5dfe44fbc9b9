import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

export type ListenTarget = { socket: string } | { port: number };

/**
 * Listens on a Unix socket (readable by the owner only) or on a loopback port, never on a
 * public interface. Returns the address it listens on.
 */
export async function listen(app: FastifyInstance, target: ListenTarget): Promise<string> {
  if ('socket' in target) {
    if (existsSync(target.socket)) {
      unlinkSync(target.socket); // a stale socket of a previous launch
    }
    await app.listen({ path: target.socket });
    chmodSync(target.socket, 0o600);
    return target.socket;
  }
  return app.listen({ host: '127.0.0.1', port: target.port });
}
