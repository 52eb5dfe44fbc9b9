import { resolve } from 'node:path';
import type { Command } from 'commander';
import { compileStepScripts } from '../../../src/core/compile';
import { resolvePython } from '../backends/local/python';
import { defaultCwd } from '../backends/local/localBackend';
import type { RunRequest } from '../../../src/core/run/types';
import { finishRun, localBackend, withLocalRunFlags, type LocalRunFlags } from './localRun';
import { CliError, loadPipeline } from './notebookFile';
import { runParameters } from './parameters';

interface RunFlags extends LocalRunFlags {
  param: string[];
  backend: string;
}

/** `cellpipe run NOTEBOOK`: analyse, compile and run a notebook as a pipeline. */
export function registerRun(program: Command): void {
  withLocalRunFlags(
    program
      .command('run')
      .description('run a notebook as a pipeline (steps in parallel where the data allows)')
      .argument('<notebook>', 'path to an .ipynb file')
      .option('--param <name=value>', 'set a pipeline parameter (repeatable)', (v: string, all: string[]) => [...all, v], [])
      .option('--backend <backend>', 'where to run: local', 'local')
  ).action(async (path: string, flags: RunFlags) => {
    if (flags.backend !== 'local') {
      throw new CliError(`unknown --backend '${flags.backend}': this version runs 'local'`, 2);
    }
    const { notebook, pipeline } = loadPipeline(path, line => process.stderr.write(line + '\n'));
    const scripts = compileStepScripts(pipeline);
    const request: RunRequest = {
      pipelineName: pipeline.name,
      notebookPath: pipeline.notebookPath ?? undefined,
      parameters: runParameters(pipeline.parameters, flags.param),
      steps: pipeline.steps.map(s => ({ id: s.id, name: s.name, dependsOn: s.dependsOn, script: scripts.get(s.id)!, cache: s.cache }))
    };
    const kernelspec = notebook.metadata.kernelspec as { name?: unknown } | undefined;
    const python = resolvePython({
      explicit: flags.python,
      kernelName: typeof kernelspec?.name === 'string' ? kernelspec.name : undefined
    });
    const backend = localBackend(flags, python, defaultCwd(resolve(path)));
    await finishRun(await backend.start(request), flags);
  });
}
