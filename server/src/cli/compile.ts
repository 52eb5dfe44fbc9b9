import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { compileStepScripts } from '../../../src/core/compile';
import { argoYaml, compileArgo } from '../../../src/core/compile/argo';
import { validateArgoWorkflow } from '../../../src/core/compile/argo/validate';
import { compileKfp, kfpYaml } from '../../../src/core/compile/kfp';
import { formatDiagnostic } from '../../../src/core/analysis';
import type { Diagnostic } from '../../../src/core/notebook';
import type { Pipeline } from '../../../src/core/pipeline';
import { CliError, loadPipeline } from './notebookFile';

const TARGETS = ['scripts', 'argo', 'kfp'] as const;

interface CompileOptions {
  target: string;
  output?: string;
  template?: boolean;
  namespace?: string;
  image?: string;
}

/** Warnings to stderr; errors stop the command with all of them. */
function report(diagnostics: Diagnostic[], warn: (line: string) => void): void {
  const errors = diagnostics.filter(d => d.severity === 'error');
  for (const d of diagnostics.filter(d => d.severity !== 'error')) {
    warn(formatDiagnostic(d));
  }
  if (errors.length) {
    throw new CliError(`the notebook cannot be compiled for the cluster:\n${errors.map(d => '  ' + formatDiagnostic(d)).join('\n')}`, 1);
  }
}

/** YAML of a cluster target, checked; the Workflow is validated as Argo would before it is written. */
function clusterYaml(pipeline: Pipeline, options: CompileOptions, warn: (line: string) => void): string {
  if (options.target === 'kfp') {
    const result = compileKfp(pipeline, { image: options.image });
    report(result.diagnostics, warn);
    return kfpYaml(result);
  }
  const { workflow, diagnostics } = compileArgo(pipeline, { template: options.template, namespace: options.namespace, image: options.image });
  report(diagnostics, warn);
  const problems = validateArgoWorkflow(workflow);
  if (problems.length) {
    throw new CliError(`cellpipe bug: the compiled Workflow is invalid:\n${problems.map(p => '  ' + p).join('\n')}`, 4);
  }
  return argoYaml(workflow);
}

/**
 * `cellpipe compile NOTEBOOK --target scripts -o DIR` (one Python file per step), or
 * `--target argo [--template] [-o FILE]` / `--target kfp [-o FILE]` (YAML to stdout or FILE).
 */
export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('compile a notebook into a pipeline: step scripts, an Argo Workflow, or a Kubeflow Pipelines v2 pipeline')
    .argument('<notebook>', 'path to an .ipynb file')
    .option('--target <target>', `what to produce: ${TARGETS.join(', ')}`, 'scripts')
    .option('-o, --output <path>', 'scripts: output folder (default ./pipeline); argo, kfp: output file (default stdout)')
    .option('--template', 'argo: a WorkflowTemplate instead of a Workflow')
    .option('--namespace <ns>', 'argo: metadata.namespace of the Workflow')
    .option('--image <ref>', 'argo, kfp: image of steps when neither an image: tag nor the notebook names one')
    .action((path: string, options: CompileOptions) => {
      if (!(TARGETS as readonly string[]).includes(options.target)) {
        throw new CliError(`unknown --target '${options.target}': use one of ${TARGETS.join(', ')}`, 2);
      }
      if (options.template && options.target !== 'argo') {
        throw new CliError('--template applies to --target argo only', 2);
      }
      const warn = (line: string): void => {
        process.stderr.write(line + '\n');
      };
      const { pipeline } = loadPipeline(path, warn);
      if (options.target !== 'scripts') {
        const yaml = clusterYaml(pipeline, options, warn);
        if (options.output) {
          writeFileSync(options.output, yaml);
          warn(`wrote the ${options.target === 'kfp' ? 'KFP pipeline' : options.template ? 'WorkflowTemplate' : 'Workflow'} (${pipeline.steps.length} steps) to ${options.output}`);
        } else {
          process.stdout.write(yaml);
        }
        return;
      }
      const output = options.output ?? 'pipeline';
      mkdirSync(output, { recursive: true });
      for (const [id, script] of compileStepScripts(pipeline)) {
        writeFileSync(join(output, `${id}.py`), script);
      }
      writeFileSync(join(output, 'pipeline.json'), JSON.stringify(pipeline, null, 1) + '\n');
      warn(`wrote ${pipeline.steps.length} step scripts and pipeline.json to ${output}`);
    });
}
