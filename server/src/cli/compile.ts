import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { compileStepScripts } from '../../../src/core/compile';
import { CliError, loadPipeline } from './notebookFile';

const TARGETS = ['scripts'] as const;

/** `cellpipe compile NOTEBOOK --target scripts -o DIR`. */
export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('compile a notebook into a pipeline: step scripts (one Python file per step)')
    .argument('<notebook>', 'path to an .ipynb file')
    .option('--target <target>', `what to produce: ${TARGETS.join(', ')}`, 'scripts')
    .option('-o, --output <path>', 'output folder', 'pipeline')
    .action((path: string, options: { target: string; output: string }) => {
      if (!(TARGETS as readonly string[]).includes(options.target)) {
        throw new CliError(`unknown --target '${options.target}': use one of ${TARGETS.join(', ')}`, 2);
      }
      const { pipeline } = loadPipeline(path, line => process.stderr.write(line + '\n'));
      mkdirSync(options.output, { recursive: true });
      for (const [id, script] of compileStepScripts(pipeline)) {
        writeFileSync(join(options.output, `${id}.py`), script);
      }
      writeFileSync(join(options.output, 'pipeline.json'), JSON.stringify(pipeline, null, 1) + '\n');
      process.stderr.write(`wrote ${pipeline.steps.length} step scripts and pipeline.json to ${options.output}\n`);
    });
}
