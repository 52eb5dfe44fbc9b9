import { resolve } from 'node:path';
import type { Command } from 'commander';
import { prepareForkServer } from '../backends/local/forkServer';
import { defaultCwd } from '../backends/local/localBackend';
import { magicsProblem } from '../backends/local/python';
import { notebookPython, toRunRequest } from '../service/runRequest';
import { finishRun, localBackend, withLocalRunFlags, type LocalRunFlags } from './localRun';
import { CliError, loadPipeline } from './notebookFile';
import { runParameters } from './parameters';
import { isRemoteBackend, runRemote, withRemoteRunFlags, type RemoteRunFlags } from './remoteRun';

interface RunFlags extends LocalRunFlags, RemoteRunFlags {
  param: string[];
  backend: string;
}

/** `cellpipe run NOTEBOOK`: analyse, compile and run a notebook as a pipeline. */
export function registerRun(program: Command): void {
  withRemoteRunFlags(withLocalRunFlags(
    program
      .command('run')
      .description('run a notebook as a pipeline (steps in parallel where the data allows)')
      .argument('<notebook>', 'path to an .ipynb file')
      .option('--param <name=value>', 'set a pipeline parameter (repeatable)', (v: string, all: string[]) => [...all, v], [])
      .option('--backend <backend>', 'where to run: local, kubernetes (Argo Workflows) or kfp (Kubeflow Pipelines)', 'local')
  )).action(async (path: string, flags: RunFlags) => {
    if (isRemoteBackend(flags.backend)) {
      const { pipeline } = loadPipeline(path, line => process.stderr.write(line + '\n'));
      return runRemote(flags.backend, pipeline, runParameters(pipeline.parameters, flags.param), flags);
    }
    if (flags.backend !== 'local') {
      throw new CliError(`unknown --backend '${flags.backend}': choose local, kubernetes or kfp`, 2);
    }
    if (flags.python) {
      prepareForkServer(flags.python); // starts while the notebook is analysed and compiled
    }
    const { notebook, pipeline } = loadPipeline(path, line => process.stderr.write(line + '\n'));
    const request = toRunRequest(pipeline, runParameters(pipeline.parameters, flags.param));
    const python = notebookPython(notebook, flags.python);
    const magics = magicsProblem(pipeline, python);
    if (magics) {
      throw new CliError(magics, 2);
    }
    const backend = localBackend(flags, python, defaultCwd(resolve(path)));
    await finishRun(await backend.start(request), flags);
  });
}
