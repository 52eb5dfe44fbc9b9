/**
 * Run All in a real Jupyter kernel: `jupyter nbconvert --to notebook --execute`, the oracle of
 * what a pipeline run shows on the cells (outputs.spec.ts). The notebook is executed as the
 * pipeline would run it: the run's parameter values assigned at the end of the parameters cell
 * (as the runtime binds them over the defaults), and `skip` cells emptied (a pipeline leaves them
 * out; emptied rather than removed, so every other cell keeps its index and execution count).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pyLiteral } from '../../../src/core/compile/pythonLiteral';
import type { JsonValue } from '../../../src/core/run/types';
import { parseParameterAssignments, resolveParameterValues } from '../../../src/core/run/parameterValues';
import { loadPipeline } from '../app/loadPipeline';
import { notebookInFolder } from '../app/notebookFile';
import { testPython } from '../testing/cliProcess';

/** An nbformat 4 notebook as JSON, cells with their outputs. */
export type NotebookJson = { cells: Array<Record<string, unknown>> } & Record<string, unknown>;

/** The notebook as the pipeline runs it, for the kernel to execute. */
function asThePipelineRunsIt(notebookPath: string, params: readonly string[]): NotebookJson {
  const { text, analysis, pipeline } = loadPipeline(notebookInFolder(process.cwd(), notebookPath));
  const values: Record<string, JsonValue> = resolveParameterValues(pipeline.parameters, parseParameterAssignments(pipeline.parameters, params));
  const floats = new Set(pipeline.parameters.filter(p => p.type === 'float').map(p => p.name));
  const overrides = Object.entries(values)
    .filter(([name]) => params.some(p => p.startsWith(`${name}=`)))
    .map(([name, value]) => `${name} = ${floats.has(name) && Number.isInteger(value) ? `${value}.0` : pyLiteral(value)}`);
  const notebook = JSON.parse(text) as NotebookJson;
  const roles = analysis.plan!.cells;
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') {
      return;
    }
    const source = Array.isArray(cell.source) ? cell.source.join('') : String(cell.source ?? '');
    if (roles[index]?.role === 'skip') {
      cell.source = '';
    } else if (roles[index]?.role === 'parameters' && overrides.length) {
      cell.source = `${source}\n${overrides.join('\n')}`;
    }
  });
  return notebook;
}

/** Executes the notebook in a fresh kernel of the test Python, in the notebook's folder; resolves with the executed notebook. */
export async function runAllInKernel(notebookPath: string, params: readonly string[]): Promise<NotebookJson> {
  const folder = dirname(notebookPath);
  const input = join(folder, `.runall-${basename(notebookPath)}`);
  const output = join(folder, `.runall-executed-${basename(notebookPath)}`);
  writeFileSync(input, JSON.stringify(asThePipelineRunsIt(notebookPath, params)));
  try {
    const jupyter = join(dirname(testPython), 'jupyter');
    const args = ['nbconvert', '--to', 'notebook', '--execute', '--allow-errors', '--ExecutePreprocessor.timeout=600', '--output', output, input];
    let stderr = '';
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(jupyter, args, { cwd: folder, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      throw new Error(`jupyter nbconvert --execute exited with ${code}:\n${stderr}`);
    }
    return JSON.parse(readFileSync(output, 'utf8')) as NotebookJson;
  } finally {
    rmSync(input, { force: true });
    rmSync(output, { force: true });
  }
}
