import type { Command } from 'commander';
import { notebookInFolder } from '../app/notebookFile';
import { isBackendName } from '../backends/registry';
import { CellpipeError } from '../errors';
import { cliRunService } from './cliRuns';
import { finishRun, parseWorkers, withLocalRunFlags, type LocalRunFlags } from './localRun';
import { withRemoteRunFlags, type RemoteRunFlags } from './remoteRunFlags';
import { runSweep } from './sweep';

interface RunFlags extends LocalRunFlags, RemoteRunFlags {
  param: string[];
  sweep: string[];
  sweepMetric?: string;
  backend: string;
}

const repeatable = (v: string, all: string[]): string[] => [...all, v];

/** `cellpipe run NOTEBOOK`: analyse, compile and run a notebook as a pipeline. */
export function registerRun(program: Command): void {
  withRemoteRunFlags(
    withLocalRunFlags(
      program
        .command('run')
        .description('run a notebook as a pipeline (steps in parallel where the data allows)')
        .argument('<notebook>', 'path to an .ipynb file')
        .option('--param <name=value>', 'set a pipeline parameter (repeatable)', repeatable, [])
        .option(
          '--sweep <name=v1,v2,...>',
          'run once per value (repeatable: once per point of the grid); \\, is a comma in a value, or give a JSON list: name=["a,b","c"]',
          repeatable,
          []
        )
        .option('--sweep-metric <name[:min|max]>', "with --sweep: the metric the best run is chosen by (default: the pipeline's first)")
        .option('--backend <backend>', 'where to run: local, kubernetes (Argo Workflows) or kfp (Kubeflow Pipelines)', 'local')
    )
  ).action(async (path: string, flags: RunFlags) => {
    if (!isBackendName(flags.backend)) {
      throw new CellpipeError('invalid', `unknown --backend '${flags.backend}': choose local, kubernetes or kfp`);
    }
    const request = {
      notebook: notebookInFolder(process.cwd(), path),
      parameterTexts: flags.param,
      backend: flags.backend,
      python: flags.python,
      workers: parseWorkers(flags.workers),
      cache: flags.cache,
      namespace: flags.namespace,
      image: flags.image,
      kfpHost: flags.kfpHost
    };
    if (flags.sweep.length) {
      await runSweep({ ...request, sweepTexts: flags.sweep }, flags);
      return;
    }
    if (flags.sweepMetric !== undefined) {
      throw new CellpipeError('invalid', '--sweep-metric goes with --sweep NAME=V1,V2,...');
    }
    await finishRun(await cliRunService(flags).start(request), flags);
  });
}
