/**
 * The analysis as the CLI's `--json` output and as a readable text report. The UI can use the same
 * shapes.
 */
import { cellNumber, cellNumbers, type Diagnostic } from '../notebook';
import type { AnalysisResult } from './types';

export interface AnalysisReport {
  steps: {
    name: string;
    cells: number[];
    dependsOn: string[];
    inputs: string[];
    outputs: string[];
    declarations: string[];
    /** With `cellpipe analyze --packages`: what a cluster installs for it (null: its image holds everything). */
    packages?: string[] | null;
  }[];
  parameters: { name: string; type: string; default: unknown }[];
  metrics: string[];
  diagnostics: Pick<Diagnostic, 'severity' | 'code' | 'message' | 'cell' | 'line' | 'column'>[];
}

/** A step's cluster packages by step name, when they were worked out (see pipeline/environments.ts). */
export type StepPackages = ReadonlyMap<string, readonly string[] | null>;

export function toAnalysisReport(result: AnalysisResult, packages?: StepPackages): AnalysisReport {
  return {
    steps: result.steps.map(step => ({
      name: step.name,
      cells: step.cells,
      dependsOn: step.dependsOn,
      inputs: step.inputs,
      outputs: step.outputs,
      declarations: step.declarations,
      ...(packages?.has(step.name) ? { packages: packages.get(step.name) as string[] | null } : {})
    })),
    parameters: result.parameters.map(p => ({ name: p.name, type: p.type, default: p.default })),
    metrics: result.metrics,
    diagnostics: result.diagnostics.map(d => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      cell: d.cell,
      line: d.line,
      column: d.column
    }))
  };
}

/** `cell N, line L:C: severity code: message` (or `notebook: ...` for notebook-level diagnostics). */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.cell === null ? 'notebook' : `cell ${cellNumber(d.cell)}, line ${d.line}:${d.column}`;
  return `${where}: ${d.severity} ${d.code}: ${d.message}`;
}

/** The error diagnostics, one indented line each, for an error message. */
export function formatErrors(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .filter(d => d.severity === 'error')
    .map(d => '  ' + formatDiagnostic(d))
    .join('\n');
}

const list = (names: readonly string[]): string => (names.length > 0 ? names.join(', ') : '-');

export function formatAnalysisReport(result: AnalysisResult, packages?: StepPackages): string {
  const lines: string[] = [];
  lines.push(`${result.steps.length} step${result.steps.length === 1 ? '' : 's'}`);
  for (const step of result.steps) {
    lines.push('');
    lines.push(`step ${JSON.stringify(step.name)} (cells ${cellNumbers(step.cells)})`);
    lines.push(`  after:        ${list(step.dependsOn)}`);
    lines.push(`  inputs:       ${list(step.inputs.map(name => `${name} <- ${step.inputSources[name]}`))}`);
    const results = new Set(step.results);
    lines.push(`  outputs:      ${list(step.outputs.map(name => (results.has(name) ? `${name} (result: no later step reads it)` : name)))}`);
    lines.push(`  declarations: ${list(step.declarations)}`);
    const randomInputs = Object.entries(step.randomInputs);
    if (randomInputs.length > 0) {
      lines.push(`  random state: ${list(randomInputs.map(([generator, from]) => `${generator} <- ${from}`))}`);
    }
    if (step.replayed.length > 0) {
      const site = (ref: { cell: number; index: number }): string =>
        `cell ${cellNumber(ref.cell)} line ${result.facts[ref.cell]?.stateSites[ref.index]?.line ?? '?'}`;
      lines.push(`  replays:      ${list(step.replayed.map(site))}`);
    }
    if (step.parameters.length > 0) {
      lines.push(`  parameters:   ${list(step.parameters)}`);
    }
    if (packages?.has(step.name)) {
      const installed = packages.get(step.name);
      lines.push(`  packages:     ${installed ? list([...installed]) : 'none installed: its image holds everything'}`);
    }
  }
  if (result.parameters.length > 0) {
    lines.push('');
    lines.push('parameters');
    result.parameters.forEach(p => lines.push(`  ${p.name}: ${p.type} = ${JSON.stringify(p.default)}`));
  }
  if (result.metrics.length > 0) {
    lines.push('');
    lines.push(`metrics: ${list(result.metrics)}`);
  }
  lines.push('');
  if (result.diagnostics.length === 0) {
    lines.push('no problems found');
  } else {
    lines.push(`${result.diagnostics.length} diagnostic${result.diagnostics.length === 1 ? '' : 's'}`);
    result.diagnostics.forEach(d => lines.push(`  ${formatDiagnostic(d)}`));
  }
  return lines.join('\n') + '\n';
}
