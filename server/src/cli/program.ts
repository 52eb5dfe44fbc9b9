import { Command } from 'commander';
import { registerServe } from './serve';
import { registerAnalyze } from './analyze';
import { registerRunCommands } from './runCommands';
import { registerRetry } from './localRun';
import { registerCompile } from './compile';
import { registerRun } from './run';
import { VERSION } from '../version';

/**
 * The `cellpipe` command line. Each sub-command lives in its own module in this folder and
 * registers itself here; they call the same core and service code the JupyterLab extension uses.
 */
export function createProgram(): Command {
  const program = new Command();
  program
    .name('cellpipe')
    .description('Turn a tagged Jupyter notebook into a pipeline: analyse, compile, run.')
    .version(VERSION)
    .showHelpAfterError();
  registerServe(program);
  registerAnalyze(program);
  registerCompile(program);
  registerRun(program);
  registerRunCommands(program);
  registerRetry(program);
  return program;
}
