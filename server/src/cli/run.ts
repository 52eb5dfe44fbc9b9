import type { Command } from 'commander';
import { notebookInFolder } from '../app/notebookFile';
import { prepareForkServer } from '../backends/local/forkServer';
import { isBackendName } from '../backends/registry';
import { CellpipeError } from '../errors';
import { cliRunService } from './cliRuns';
import { finishRun, parseWorkers, withLocalRunFlags, type LocalRunFlags } from './localRun';
import { withRemoteRunFlags, type RemoteRunFlags } from './remoteRunFlags';

interface RunFlags extends LocalRunFlags, RemoteRunFlags {
  param: string[];
  backend: string;
}

/** `cellpipe run NOTEBOOK`: analyse, compile and run a notebook as a pipeline. */
export function registerRun(program: Command): void {
  withRemoteRunFlags(
    withLocalRunFlags(
      program
        .command('run')
        .description('run a notebook as a pipeline (steps in parallel where the data allows)')
        .argument('<notebook>', 'path to an .ipynb file')
        .option('--param <name=value>', 'set a pipeline parameter (repeatable)', (v: string, all: string[]) => [...all, v], [])
        .option('--backend <backend>', 'where to run: local, kubernetes (Argo Workflows) or kfp (Kubeflow Pipelines)', 'local')
    )
  ).action(async (path: string, flags: RunFlags) => {
    if (!isBackendName(flags.backend)) {
      throw new CellpipeError('invalid', `unknown --backend '${flags.backend}': choose local, kubernetes or kfp`);
    }
    if (flags.backend === 'local' && flags.python) {
      prepareForkServer(flags.python); // starts while the notebook is analysed and compiled
    }
    const handle = await cliRunService(flags).start({
      notebook: notebookInFolder(process.cwd(), path),
      parameterTexts: flags.param,
      backend: flags.backend,
      python: flags.python,
      workers: parseWorkers(flags.workers),
      cache: flags.cache,
      namespace: flags.namespace,
      image: flags.image,
      kfpHost: flags.kfpHost
    });
    await finishRun(handle, flags);
  });
}
