/**
 * Step environments on a cluster (DESIGN.md, "Step environments"): a pod's image is taken to hold
 * Python and pip only, so each step gets the pip requirements of what it imports (its own cells and
 * the declarations run before them, and what the values it loads were made with), pinned to the
 * versions the notebook's kernel has, plus what the user adds: `%pip install` lines,
 * requirements.txt beside the notebook, the notebook's `requirements` setting, `pip:` tags.
 * A requirement the user gives for a distribution replaces the pinned one.
 */
import { blankMagics, type AnalysisResult, type ModuleBinding } from '../analysis';
import { diagnostic, type Diagnostic, type Notebook } from '../notebook';
import type { InstalledPackages } from './installedPackages';
import { isPipInstallLine, pipInstallRequirements } from './pipInstallLines';
import type { Pipeline, PipelineStep, PlanItem } from './types';

/** Libraries the step runtime itself uses when a step's values need them. */
const IPYTHON = 'IPython';
const CLOUDPICKLE = 'cloudpickle';
const PYARROW = 'pyarrow';
const PANDAS = 'pandas';

export interface EnvironmentInputs {
  installed: InstalledPackages;
  /** The lines of requirements.txt beside the notebook, if there is one. */
  requirementsFile: string[] | null;
}

/** The top-level modules of a dotted import path; none for relative imports. */
function topLevel(module: string): string | null {
  return module.startsWith('.') ? null : module.split('.')[0];
}

/** Every top-level module the kernel's Python must be asked about for this pipeline. */
export function modulesToProbe(pipeline: Pipeline): string[] {
  const modules = new Set([IPYTHON, CLOUDPICKLE, PYARROW]);
  for (const step of pipeline.steps) {
    step.imports.map(topLevel).forEach(module => module && modules.add(module));
  }
  return [...modules].sort();
}

/** pip's canonical form of a distribution name (PEP 503), from a requirement specifier. */
export function requirementName(requirement: string): string {
  const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement)?.[1] ?? requirement;
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Requirement lines of a requirements file: comments, blank lines and option lines left out. */
export function requirementLines(text: string): string[] {
  return text
    .split('\n')
    .map(line => line.replace(/(^|\s)#.*$/, '').trim())
    .filter(line => line !== '' && !line.startsWith('-'));
}

/** Where each module a step imports is first imported (for diagnostics), by top-level module. */
function importSites(analysis: AnalysisResult, cells: number[]): Map<string, { cell: number; binding: ModuleBinding }> {
  const sites = new Map<string, { cell: number; binding: ModuleBinding }>();
  for (const cell of cells) {
    for (const binding of analysis.facts[cell]?.bindings ?? []) {
      const top = binding.module ? topLevel(binding.module) : null;
      if (top && !sites.has(top)) {
        sites.set(top, { cell, binding });
      }
    }
  }
  return sites;
}

/** A pip install line does nothing in a pod: its requirements are in the step's environment. */
function withoutPipInstallLines(item: PlanItem): PlanItem {
  if (item.kind !== 'code' || !item.source.split('\n').some(isPipInstallLine)) {
    return item;
  }
  const source = item.source
    .split('\n')
    .map(line => (isPipInstallLine(line) ? `${/^[ \t]*/.exec(line)![0]}pass  # ${line.trim()} -- installed by cellpipe's setup task` : line))
    .join('\n');
  return { ...item, source };
}

/**
 * The pipeline with each step's cluster `environment` (null where its image is to hold everything)
 * and pip install lines made inert, and the warnings about modules the cluster cannot get.
 */
export function withEnvironments(
  notebook: Notebook,
  analysis: AnalysisResult,
  pipeline: Pipeline,
  inputs: EnvironmentInputs
): { pipeline: Pipeline; diagnostics: Diagnostic[] } {
  const { installed } = inputs;
  const diagnostics: Diagnostic[] = [];
  const skipped = new Set(analysis.plan?.cells.flatMap((c, i) => (c.role === 'skip' ? [i] : [])) ?? []);
  const pipLines = pipInstallRequirements(notebook, skipped);
  diagnostics.push(...pipLines.diagnostics);
  const notebookRequirements = [...pipLines.requirements, ...(inputs.requirementsFile ?? []), ...pipeline.settings.requirements];

  const byId = new Map(pipeline.steps.map(step => [step.id, step]));
  const analysed = new Map(pipeline.steps.map((step, i) => [step.id, analysis.steps[i]]));
  const reported = new Set<string>();

  /** Top-level modules whose objects the step may hold: its imports and, through its inputs, its producers'. */
  const modulesMemo = new Map<string, Set<string>>();
  const modulesOf = (step: PipelineStep): Set<string> => {
    const known = modulesMemo.get(step.id);
    if (known) {
      return known;
    }
    const modules = new Set(step.imports.map(topLevel).filter((m): m is string => m !== null));
    modulesMemo.set(step.id, modules); // the DAG has no cycles; this also ends any
    for (const input of step.inputs) {
      const producer = byId.get(input.from);
      if (producer) {
        modulesOf(producer).forEach(m => modules.add(m));
      }
    }
    return modules;
  };

  const steps = pipeline.steps.map(step => {
    const plan = step.plan.map(withoutPipInstallLines);
    if (!pipeline.settings.installRequirements || step.config.installRequirements === false) {
      return { ...step, plan, environment: null };
    }
    const stepAnalysis = analysed.get(step.id)!;
    const sites = importSites(analysis, [...stepAnalysis.injected.map(ref => ref.cell), ...stepAnalysis.cells]);
    const modules = new Set(modulesOf(step)); // a copy: the runtime's helpers are this step's own
    // Magics run through IPython in the pod; pip install lines no longer count, they are inert now.
    if (step.usesMagics && plan.some(item => item.kind === 'code' && blankMagics(item.source).magics.length > 0)) {
      modules.add(IPYTHON);
    }
    if (step.inputs.length || step.outputs.length) {
      modules.add(CLOUDPICKLE);
    }
    if (modules.has(PANDAS)) {
      modules.add(PYARROW);
    }
    const pinned = new Map<string, string>();
    for (const module of [...modules].sort()) {
      const origin = installed.modules[module];
      if (origin?.kind === 'distribution') {
        pinned.set(requirementName(origin.name), `${origin.name}==${origin.version}`);
        continue;
      }
      const site = sites.get(module);
      if (!site || !origin || origin.kind === 'stdlib' || reported.has(module)) {
        continue; // the runtime's optional helpers, the standard library, or said already
      }
      reported.add(module);
      const { cell, binding } = site;
      if (origin.kind === 'missing' && binding.definite) {
        diagnostics.push(
          diagnostic(
            'warning',
            'module-not-installed',
            `module '${module}' cannot be imported by the notebook's kernel, so it cannot be pinned for the cluster: install it in the kernel (%pip install …) or add it to requirements.txt`,
            cell,
            binding.line,
            binding.column
          )
        );
      } else if (origin.kind === 'unpackaged') {
        diagnostics.push(
          diagnostic(
            'warning',
            'module-not-packaged',
            `module '${module}' is ${origin.origin ? `a file (${origin.origin})` : 'a folder'} that belongs to no installed package: pods will not have it; make it a package and add it to requirements.txt, or move its code into an imports or functions cell`,
            cell,
            binding.line,
            binding.column
          )
        );
      }
    }
    for (const requirement of [...notebookRequirements, ...step.config.requirements]) {
      pinned.set(requirementName(requirement), requirement);
    }
    const requirements = [...pinned.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
    return { ...step, plan, environment: { requirements } };
  });
  return { pipeline: { ...pipeline, steps }, diagnostics };
}
