/**
 * What torchrun gives each worker of a distributed step (docs/distributed-and-serving.md), on one
 * machine: its rank among `count`, and where rank 0 listens for the others (loopback, a free port).
 * A cell written for `torch.distributed` (`init_process_group()` with the env:// method) reads these.
 */
import { createServer } from 'node:net';

/** One worker of a distributed step: its rank, the number of workers, rank 0's port. */
export interface WorkerPlace {
  rank: number;
  count: number;
  port: number;
}

export function torchrunEnvironment({ rank, count, port }: WorkerPlace): Record<string, string> {
  return {
    RANK: String(rank),
    LOCAL_RANK: String(rank),
    WORLD_SIZE: String(count),
    LOCAL_WORLD_SIZE: String(count),
    GROUP_RANK: '0',
    ROLE_RANK: String(rank),
    ROLE_WORLD_SIZE: String(count),
    MASTER_ADDR: '127.0.0.1',
    MASTER_PORT: String(port),
    TORCHELASTIC_RUN_ID: 'cellpipe'
  };
}

/** A TCP port free on loopback now (the system's choice), for rank 0 to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
