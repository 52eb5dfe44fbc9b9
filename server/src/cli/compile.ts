import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { COMPILE_TARGETS, isCompileTarget } from '../../../src/core/compile/targetNames';
import { RUNTIME_PATH } from '../../../src/core/compile/runtime/contract';
import { compileNotebook } from '../app/compileNotebook';
import { notebookInFolder } from '../app/notebookFile';
import { PythonResolver } from '../app/pythonResolver';
import { CellpipeError } from '../errors';

interface CompileFlags {
  target: string;
  python?: string;
  output?: string;
  template?: boolean;
  namespace?: string;
  image?: string;
}

const warn = (line: string): void => {
  process.stderr.write(line + '\n');
};

/**
 * `cellpipe compile NOTEBOOK --target scripts -o DIR` (one Python file per step), or
 * `--target argo [--template] [-o FILE]` / `--target kfp [-o FILE]` (YAML to stdout or FILE).
 */
export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('compile a notebook into a pipeline: step scripts, an Argo Workflow, or a Kubeflow Pipelines v2 pipeline')
    .argument('<notebook>', 'path to an .ipynb file')
    .option('--target <target>', `what to produce: ${COMPILE_TARGETS.join(', ')}`, 'scripts')
    .option('-o, --output <path>', 'scripts: output folder (default ./pipeline); argo, kfp: output file (default stdout)')
    .option('--template', 'argo: a WorkflowTemplate instead of a Workflow')
    .option('--namespace <ns>', 'argo: metadata.namespace of the Workflow')
    .option('--image <ref>', 'argo, kfp: image of steps when neither an image: tag nor the notebook names one')
    .option('--python <path>', "argo, kfp: the Python whose packages the steps' environments are pinned to (default: the notebook kernel's)")
    .action(async (path: string, flags: CompileFlags) => {
      if (!isCompileTarget(flags.target)) {
        throw new CellpipeError('invalid', `unknown --target '${flags.target}': use one of ${COMPILE_TARGETS.join(', ')}`);
      }
      if (flags.template && flags.target !== 'argo') {
        throw new CellpipeError('invalid', '--template applies to --target argo only');
      }
      const options = { template: flags.template, namespace: flags.namespace, image: flags.image };
      const compiled = await compileNotebook(
        notebookInFolder(process.cwd(), path),
        { target: flags.target, options, python: flags.python },
        { pythons: new PythonResolver(), warn }
      );
      if (compiled.target === 'scripts') {
        const output = flags.output ?? 'pipeline';
        for (const file of compiled.files) {
          mkdirSync(dirname(join(output, file.name)), { recursive: true });
          writeFileSync(join(output, file.name), file.content);
        }
        // The folder can be the data folder: CELLPIPE_DATA_DIR=<output> python <output>/<step>.py
        warn(`wrote ${compiled.files.length - 2} step scripts, the runtime file they share (${RUNTIME_PATH}) and pipeline.json to ${output}`);
        return;
      }
      const [file] = compiled.files;
      if (!flags.output) {
        process.stdout.write(file.content);
        return;
      }
      writeFileSync(flags.output, file.content);
      const what = compiled.target === 'kfp' ? 'KFP pipeline' : flags.template ? 'WorkflowTemplate' : 'Workflow';
      warn(`wrote the ${what} of pipeline '${compiled.pipelineName}' to ${flags.output}`);
    });
}
