import { formatErrors, notebookPosition, type AnalysisResult, type ModuleBinding, type StepAnalysis } from '../analysis';
import { cellNumber, hasErrors, type Diagnostic, type Notebook, type Step } from '../notebook';
import { assignStepIds, dnsLabel } from './stepIds';
import type { Pipeline, PipelineStep, PlanItem } from './types';

export interface BuildOptions {
  /** Path of the notebook, for the default pipeline name and for display. */
  notebookPath?: string;
}

/** Thrown when a notebook has errors that stop it from becoming a pipeline. */
export class PipelineError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super('the notebook cannot become a pipeline:\n' + formatErrors(diagnostics));
  }
}

function notebookName(path: string | undefined): string {
  const base = (path ?? '').split('/').pop() ?? '';
  return base.replace(/\.ipynb$/i, '') || 'pipeline';
}

/** Source of a declaration, preceded by blank lines so its line numbers are the cell's own. */
function declarationSource(cellSource: string, from: number, to: number): string {
  const newlines = (cellSource.slice(0, from).match(/\n/g) ?? []).length;
  return '\n'.repeat(newlines) + cellSource.slice(from, to);
}

/** Code that may set environment variables before an import (checked on the step's code as text). */
const SETS_ENVIRONMENT = /environ|putenv|^[ \t]*%(set_)?env\b/m;

/** SETS_ENVIRONMENT, each source tested once: the declarations a notebook's steps share are in many plans. */
function environmentTest(): (source: string) => boolean {
  const tested = new Map<string, boolean>();
  return source => {
    let sets = tested.get(source);
    if (sets === undefined) {
      sets = SETS_ENVIRONMENT.test(source);
      tested.set(source, sets);
    }
    return sets;
  };
}

/** Modules the step's own cells and injected declarations import at module level (the analysis's import bindings). */
function stepImports(analysis: AnalysisResult, step: StepAnalysis): string[] {
  const modules = new Set<string>();
  const add = (binding: ModuleBinding): void => {
    if (binding.module && !binding.module.startsWith('.')) {
      modules.add(binding.module);
    }
  };
  step.cells.forEach(cell => analysis.facts[cell]?.bindings.forEach(add));
  step.injected.forEach(ref => analysis.facts[ref.cell]?.bindings.filter(b => b.declaration === ref.index).forEach(add));
  return [...modules].sort();
}

/**
 * The `workers:` and `serve:` tags of a step as the IR says them: the framework of a distributed
 * step (torch when its code imports torch, unless the tag says), the served model's name.
 */
function distributedAndServed(
  tagged: Step,
  id: string,
  pipelineName: string,
  analysis: AnalysisResult,
  step: StepAnalysis
): Pick<PipelineStep, 'distributed' | 'serve'> {
  const usesTorch = (): boolean => stepImports(analysis, step).some(module => module === 'torch' || module.startsWith('torch.'));
  return {
    ...(tagged.workers
      ? { distributed: { workers: tagged.workers.count, framework: tagged.workers.framework ?? (usesTorch() ? 'torch' : 'python') } }
      : {}),
    ...(tagged.serve
      ? { serve: { model: tagged.serve.model, sample: tagged.serve.sample, name: dnsLabel(`${pipelineName}-${id}`, SERVED_NAME_MAX, 'model') } }
      : {})
  };
}

/** Longest served model name: KServe adds `-predictor-00001` and the namespace's host to it (63-character labels). */
const SERVED_NAME_MAX = 40;

function cellLabel(index: number, role: string): string {
  return `<cell ${cellNumber(index)}: ${role}>`;
}

/**
 * The parameters a step's code may read: those the analysis saw it use (its own cells, the
 * declarations and replays it runs), or every one when that code is opaque (`exec`, `eval`,
 * `globals()`: any name may be read).
 */
function parametersRead(analysis: AnalysisResult, step: StepAnalysis): string[] {
  const cells = [...step.cells, ...step.injected.map(ref => ref.cell), ...step.replayed.map(ref => ref.cell)];
  return cells.some(cell => analysis.facts[cell]?.opaque) ? analysis.parameters.map(p => p.name) : step.parameters;
}

/**
 * Turns an analysed notebook into the Pipeline IR: ids, dependencies by id, and for each step the
 * plan its script runs: the declarations it needs (so classes exist before values are loaded), its
 * inputs, then its own cells, each under its cell's name so tracebacks point at the notebook.
 */
export function buildPipeline(notebook: Notebook, analysis: AnalysisResult, options: BuildOptions = {}): Pipeline {
  if (hasErrors(analysis.diagnostics) || !analysis.plan) {
    throw new PipelineError(analysis.diagnostics);
  }
  const plan = analysis.plan;
  const ids = assignStepIds(analysis.steps.map(s => s.name));
  const idOf = new Map(analysis.steps.map((s, i) => [s.name, ids[i]]));
  const configOf = new Map(plan.steps.map(s => [s.name, s.config]));
  const magicCells = new Set(analysis.diagnostics.filter(d => d.code === 'magic' && d.cell !== null).map(d => d.cell!));
  const setsEnvironment = environmentTest();
  const pipelineName = plan.settings.pipelineName ?? notebookName(options.notebookPath);

  const roleOf = (cell: number): string => (plan.cells[cell]?.role === 'step' ? `step ${plan.cells[cell].step}` : String(plan.cells[cell]?.role));
  const codeItem = (cell: number, from: number, to: number, role: 'declaration' | 'replay'): PlanItem => ({
    kind: 'code',
    source: declarationSource(notebook.cells[cell].source, from, to),
    filename: cellLabel(cell, roleOf(cell)),
    role
  });

  const steps: PipelineStep[] = analysis.steps.map((step: StepAnalysis, i) => {
    // Declarations and replayed configuration in notebook order (`sys.path.append` before the
    // import it enables); a replay that uses a loaded value runs after the loads.
    const before: { position: number; item: PlanItem }[] = [];
    const afterLoads: PlanItem[] = [];
    for (const ref of step.injected) {
      const declaration = analysis.facts[ref.cell]?.declarations[ref.index];
      if (declaration) {
        before.push({
          position: notebookPosition(ref.cell, declaration.from),
          item: codeItem(ref.cell, declaration.from, declaration.to, 'declaration')
        });
      }
    }
    const inputs = new Set(step.inputs);
    for (const ref of step.replayed) {
      const statement = analysis.facts[ref.cell]?.stateSites[ref.index]?.statement;
      if (statement) {
        const item = codeItem(ref.cell, statement.from, statement.to, 'replay');
        if (statement.uses.some(name => inputs.has(name))) {
          afterLoads.push(item);
        } else {
          before.push({ position: notebookPosition(ref.cell, statement.from), item });
        }
      }
    }
    const items: PlanItem[] = before.sort((a, b) => a.position - b.position).map(({ item }) => item);
    for (const name of step.inputs) {
      const from = step.inputSources[name];
      items.push({ kind: 'load', name, fromStepDir: idOf.get(from)!, fromStep: from });
    }
    items.push(...afterLoads);
    for (const [generator, from] of Object.entries(step.randomInputs).sort(([a], [b]) => (a < b ? -1 : 1))) {
      items.push({ kind: 'random', generator, fromStepDir: idOf.get(from)!, fromStep: from });
    }
    for (const cell of step.cells) {
      items.push({ kind: 'code', source: notebook.cells[cell].source, filename: cellLabel(cell, `step ${step.name}`), role: 'cell', cell });
    }
    const config = configOf.get(step.name)!;
    return {
      id: ids[i],
      name: step.name,
      cells: step.cells,
      dependsOn: step.dependsOn.map(d => idOf.get(d)!),
      inputs: step.inputs.map(name => ({ name, from: idOf.get(step.inputSources[name])! })),
      outputs: step.outputs,
      parameters: parametersRead(analysis, step),
      randomStates: [...step.randomOutputs].sort(),
      results: step.results,
      metrics: step.metrics,
      plan: items,
      config,
      cache: config.cache ?? true,
      usesMagics: step.cells.some(c => magicCells.has(c)) || step.injected.some(r => magicCells.has(r.cell)),
      imports: stepImports(analysis, step),
      setsEnvironment: items.some(item => item.kind === 'code' && setsEnvironment(item.source)),
      ...(step.fanOut ? { fanOut: { ...step.fanOut, from: idOf.get(step.inputSources[step.fanOut.over])! } } : {}),
      ...distributedAndServed(
        plan.steps.find(s => s.name === step.name)!,
        ids[i],
        pipelineName,
        analysis,
        step
      )
    };
  });
  // Each list a fan-out step runs over: its producer writes its item list.
  for (const step of steps) {
    if (step.fanOut) {
      const producer = steps.find(s => s.id === step.fanOut!.from)!;
      producer.itemLists = [...new Set([...(producer.itemLists ?? []), step.fanOut.over])].sort();
    }
  }

  return {
    version: 1,
    name: pipelineName,
    description: plan.settings.description,
    experiment: plan.settings.experiment,
    notebookPath: options.notebookPath ?? null,
    parameters: analysis.parameters,
    metrics: analysis.metrics,
    settings: plan.settings,
    steps,
    diagnostics: analysis.diagnostics
  };
}
