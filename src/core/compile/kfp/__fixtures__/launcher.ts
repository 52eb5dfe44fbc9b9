/**
 * KFP's launcher, as far as cellpipe's containers need it: runs one container of a compiled
 * PipelineSpec on a folder as the volume (its mount path replaced in arguments and env, as the
 * executing fake's `rewrite` isolation does), with the placeholders of its arguments substituted
 * (the run's uuid, parameters as their text, the path of the step's HTML output artifact and of
 * its output parameters' files, whose folders the launcher makes) and the container's env; after
 * it, the output parameters' values as the launcher reads them (the files' text).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KFP_OUTPUTS_PAGE_ARTIFACT } from '..';
import { DATA_MOUNT_PATH } from '../../cluster/options';

const VENV_PYTHON = join(__dirname, '..', '..', '..', '..', '..', '.venv', 'bin', 'python');
const PYTHON = existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3';

export interface Container {
  command: string[];
  args?: string[];
  env?: Array<{ name: string; value: string }>;
}

/** The parts of the PipelineSpec the launcher reads here. */
export interface LaunchedSpec {
  deploymentSpec: { executors: Record<string, { container: Container }> };
  root: { inputDefinitions?: { parameters: Record<string, { defaultValue: unknown }> } };
}

export interface Launched {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Where the HTML output artifact was to be written. */
  page: string;
  /** Output parameters the container wrote, by name: the files' text. */
  outputs: Record<string, string>;
}

/** Runs one container as the launcher would, for task `task` (a name of its own per run of it). */
export function launch(container: Container, task: string, root: string, parameters: Record<string, unknown>): Launched {
  const volume = join(root, 'volume');
  const taskFolder = join(root, 'minio', 'mlpipeline', 'v2', 'artifacts', 'run-uuid', task);
  const page = join(taskFolder, KFP_OUTPUTS_PAGE_ARTIFACT);
  mkdirSync(dirname(page), { recursive: true }); // the launcher's prepareOutputFolders
  const outputFiles = new Map<string, string>();
  const substitute = (text: string): string =>
    text
      .replaceAll('{{$.pipeline_job_uuid}}', 'run-uuid')
      .replaceAll(`{{$.outputs.artifacts['${KFP_OUTPUTS_PAGE_ARTIFACT}'].path}}`, page)
      .replace(/\{\{\$\.outputs\.parameters\['([^']+)'\]\.output_file\}\}/g, (_, name: string) => {
        const file = join(root, 'tmp', 'kfp', 'outputs', task, name);
        outputFiles.set(name, file);
        return file;
      })
      .replace(/\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}/g, (_, name: string) => {
        const value = parameters[name];
        return typeof value === 'string' ? value : JSON.stringify(value); // KFP's text of a typed value
      })
      .replaceAll(DATA_MOUNT_PATH, volume);
  const env = Object.fromEntries((container.env ?? []).map(e => [e.name, substitute(e.value)]));
  const [, flag, script] = container.command;
  const run = spawnSync(PYTHON, [flag, script, ...(container.args ?? []).map(substitute)], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: root, ...env },
    encoding: 'utf8'
  });
  const outputs = Object.fromEntries(
    [...outputFiles].filter(([, file]) => existsSync(file)).map(([name, file]) => [name, readFileSync(file, 'utf8')])
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, page, outputs };
}

/** The pipeline's parameters at their defaults, as a run without values passes them. */
export function defaultParameters(spec: LaunchedSpec): Record<string, unknown> {
  return Object.fromEntries(Object.entries(spec.root.inputDefinitions?.parameters ?? {}).map(([n, p]) => [n, p.defaultValue]));
}
