import type { Command } from 'commander';
import { registerServe } from './serve';
import { registerAnalyze } from './analyze';
import { registerRunCommands } from './runCommands';
import { registerRetry } from './localRun';
import { registerCompile } from './compile';
import { registerRun } from './run';
import { registerSweep } from './sweep';
import { rootCommand } from './entry/rootCommand';

/**
 * The `cellpipe` command line. Each sub-command lives in its own module in this folder and
 * registers itself here; they call the same core and service code the JupyterLab extension uses.
 *
 * This is the full program (cellpipe-full.cjs). `analyze` and `compile` also run from small
 * bundles of their own (entry/bundles.ts), so their modules, and what those import, must stay
 * clear of the service, the backends and their libraries (fastify, @kubernetes/client-node).
 */
export function createProgram(): Command {
  const program = rootCommand();
  registerServe(program);
  registerAnalyze(program);
  registerCompile(program);
  registerRun(program);
  registerRunCommands(program);
  registerRetry(program);
  registerSweep(program);
  return program;
}
