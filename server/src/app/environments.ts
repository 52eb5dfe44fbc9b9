import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { modulesToProbe, requirementLines, withEnvironments, type Pipeline } from '../../../src/core/pipeline';
import type { Diagnostic } from '../../../src/core/notebook';
import { CellpipeError } from '../errors';
import { installedPackages } from './installedPackagesCache';
import { loadPipeline, type LoadedPipeline } from './loadPipeline';
import type { PythonResolver } from './pythonResolver';
import type { PackagesReport } from '../../../src/core/run/api';
import type { NotebookFile } from './notebookFile';

/** The file beside a notebook whose requirement lines join every step's cluster environment. */
export const REQUIREMENTS_FILE = 'requirements.txt';

/** A pipeline as a cluster runs it, the Python its packages were pinned to, and the warnings on the way. */
export interface ClusterPipeline {
  pipeline: Pipeline;
  python: string;
  /** A module the kernel cannot import, a file that belongs to no package. */
  diagnostics: Diagnostic[];
}

/**
 * Each step's environment pinned to the packages of `python` (default: the notebook kernel's),
 * with requirements.txt beside the notebook (core/pipeline/environments.ts).
 */
export async function withClusterEnvironments(
  loaded: LoadedPipeline,
  file: NotebookFile,
  pythons: PythonResolver,
  requested?: string
): Promise<ClusterPipeline> {
  const python = await pythons.resolve(loaded.notebook, requested);
  const folder = dirname(file.absolute);
  let installed;
  try {
    installed = await installedPackages(python, modulesToProbe(loaded.pipeline), folder);
  } catch (error) {
    throw new CellpipeError(
      'invalid',
      `the steps' packages are pinned to the notebook kernel's, but ${(error as Error).message}; choose its Python (--python) or set installRequirements to false if the images hold everything`
    );
  }
  const requirementsPath = join(folder, REQUIREMENTS_FILE);
  const requirementsFile = existsSync(requirementsPath) ? requirementLines(readFileSync(requirementsPath, 'utf8')) : null;
  const { pipeline, diagnostics } = withEnvironments(loaded.notebook, loaded.analysis, loaded.pipeline, { installed, requirementsFile });
  return { pipeline, python, diagnostics };
}

/** What a cluster installs for each step of a notebook, pinned to `python` (default: the notebook kernel's). */
export async function notebookPackages(file: NotebookFile, pythons: PythonResolver, python?: string): Promise<PackagesReport> {
  const cluster = await withClusterEnvironments(loadPipeline(file), file, pythons, python);
  return {
    python: cluster.python,
    steps: cluster.pipeline.steps.map(step => ({ name: step.name, packages: step.environment?.requirements ?? null })),
    diagnostics: cluster.diagnostics
  };
}
