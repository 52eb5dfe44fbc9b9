import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { modulesToProbe, requirementLines, withEnvironments, type Pipeline } from '../../../src/core/pipeline';
import { formatDiagnostic } from '../../../src/core/analysis';
import type { Diagnostic } from '../../../src/core/notebook';
import { CellpipeError } from '../errors';
import { probeInstalledPackages } from './installedPackages';
import { loadPipeline, type LoadedPipeline } from './loadPipeline';
import type { PythonResolver } from './pythonResolver';
import type { PackagesReport } from '../../../src/core/run/api';
import type { NotebookFile } from './notebookFile';

/** The file beside a notebook whose requirement lines join every step's cluster environment. */
export const REQUIREMENTS_FILE = 'requirements.txt';

/**
 * The pipeline as a cluster runs it: each step's environment pinned to the packages `python` (the
 * notebook kernel's) has, with requirements.txt beside the notebook (core/pipeline/environments.ts).
 * Warnings (a module the kernel cannot import, a file that is no package) go to `warn`, and are
 * added to `warnings`.
 */
export async function withClusterEnvironments(
  loaded: LoadedPipeline,
  file: NotebookFile,
  python: string,
  warn: (line: string) => void = () => undefined,
  warnings: Diagnostic[] = []
): Promise<Pipeline> {
  const folder = dirname(file.absolute);
  let installed;
  try {
    installed = await probeInstalledPackages(python, modulesToProbe(loaded.pipeline), folder);
  } catch (error) {
    throw new CellpipeError(
      'invalid',
      `the steps' packages are pinned to the notebook kernel's, but ${(error as Error).message}; choose its Python (--python) or set installRequirements to false if the images hold everything`
    );
  }
  const requirementsPath = join(folder, REQUIREMENTS_FILE);
  const requirementsFile = existsSync(requirementsPath) ? requirementLines(readFileSync(requirementsPath, 'utf8')) : null;
  const { pipeline, diagnostics } = withEnvironments(loaded.notebook, loaded.analysis, loaded.pipeline, { installed, requirementsFile });
  diagnostics.forEach(d => warn(formatDiagnostic(d)));
  warnings.push(...diagnostics);
  return pipeline;
}

/** What a cluster installs for each step of a notebook, pinned to `python` (default: the notebook kernel's). */
export async function notebookPackages(file: NotebookFile, pythons: PythonResolver, python?: string): Promise<PackagesReport> {
  const loaded = loadPipeline(file);
  const resolved = await pythons.resolve(loaded.notebook, python);
  const diagnostics: Diagnostic[] = [];
  const pipeline = await withClusterEnvironments(loaded, file, resolved, undefined, diagnostics);
  return {
    python: resolved,
    steps: pipeline.steps.map(step => ({ name: step.name, packages: step.environment?.requirements ?? null })),
    diagnostics
  };
}
