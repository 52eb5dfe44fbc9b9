import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
// `cellpipe serve` is where the CLI starts the HTTP service (jupyter-server-proxy runs it): the one command that
// wires in the service itself; the other commands share code with the service only through server/src/app.
// eslint-disable-next-line import-x/no-restricted-paths -- serve is the service's entry point: it builds the app
import { createService } from '../service/app';
// eslint-disable-next-line import-x/no-restricted-paths -- serve is the service's entry point: it binds the socket or port
import { listen, type ListenTarget } from '../service/listen';

export const SECRET_ENV = 'CELLPIPE_SECRET';

interface ServeOptions {
  socket?: string;
  port?: string;
  log?: boolean;
  root?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(`run the HTTP service JupyterLab talks to (started by jupyter-server-proxy; needs ${SECRET_ENV})`)
    .option('--socket <path>', 'listen on this Unix socket')
    .option('--port <port>', 'listen on this loopback port instead')
    .option('--root <dir>', 'the Jupyter root folder: notebooks are found under it and never outside (default: the current folder)')
    .option('--log', 'log every request to stderr')
    .action(async (options: ServeOptions) => {
      const secret = process.env[SECRET_ENV];
      if (!secret) {
        throw new Error(`${SECRET_ENV} is not set: the service refuses to run without a secret`);
      }
      const target = listenTarget(options);
      const root = resolve(options.root ?? process.cwd());
      if (!existsSync(root) || !statSync(root).isDirectory()) {
        throw new Error(`--root ${root} is not a folder`);
      }
      const app = createService({ secret, logger: options.log, root, warmUp: true });
      const address = await listen(app, target);
      process.stderr.write(`cellpipe service listening on ${address}\n`);
      const stop = (): void => {
        void app.close().then(() => process.exit(0));
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}

function listenTarget(options: ServeOptions): ListenTarget {
  if (options.socket && options.port) {
    throw new Error('give --socket or --port, not both');
  }
  if (options.socket) {
    return { socket: options.socket };
  }
  const port = Number(options.port ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a number from 0 to 65535, got '${options.port}'`);
  }
  return { port };
}
