/**
 * Compile benchmark: the generated 1,000-cell notebook (see analysis.ts) compiled to an Argo
 * Workflow and to KFP, plus a 300-step pipeline; prints times and the sizes of the documents
 * (a Workflow is one etcd object: it must stay well under 1.5 MiB; target for the 1,000-cell
 * notebook, issue 18: <= 256 KiB).
 */
import { performance } from 'node:perf_hooks';
import { analyzeNotebook } from '../../src/core/analysis';
import { argoYaml, compileArgo, compileArgoWorkflow } from '../../src/core/compile/argo';
import { validateArgoWorkflow } from '../../src/core/compile/argo/validate';
import { compileKfpPipeline, kfpYaml } from '../../src/core/compile/kfp';
import { parseNotebook } from '../../src/core/notebook';
import { buildPipeline, type Pipeline } from '../../src/core/pipeline';
import { generateNotebook } from '../../src/core/__fixtures__/generatedNotebook';
import { nodeCodec } from '../src/nodeCodec';

function pipelineOf(notebook: object): Pipeline {
  const parsed = parseNotebook(JSON.stringify(notebook));
  return buildPipeline(parsed.notebook!, analyzeNotebook(parsed.notebook!));
}

/** Median milliseconds of `runs` calls. */
function medianMs(run: () => void, runs: number): number {
  const times = Array.from({ length: runs }, () => {
    const start = performance.now();
    run();
    return performance.now() - start;
  }).sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

export function runCompileBenchmark(runs = 11): string[] {
  const lines: string[] = [];
  for (const [label, cells, stepEvery] of [
    ['1,000-cell notebook', 1000, 12],
    ['300-step notebook', 302, 1]
  ] as const) {
    const notebook = generateNotebook(cells);
    if (stepEvery === 1) {
      notebook.cells.slice(2).forEach((cell, i) => (cell.metadata = { tags: [`step:step_${i}`] }));
    }
    const pipeline = pipelineOf(notebook);
    const argoMs = medianMs(() => argoYaml(compileArgoWorkflow(pipeline)), runs);
    const kfpMs = medianMs(() => kfpYaml(compileKfpPipeline(pipeline)), runs);
    const workflow = compileArgoWorkflow(pipeline);
    const argoBytes = Buffer.byteLength(JSON.stringify(workflow));
    // What the CLI and the service submit: the step payload packed by Node's zlib, not the core's fflate.
    const nodeBytes = Buffer.byteLength(JSON.stringify(compileArgo(pipeline, {}, nodeCodec.gzip).workflow));
    const yamlBytes = Buffer.byteLength(argoYaml(workflow));
    const kfpBytes = Buffer.byteLength(kfpYaml(compileKfpPipeline(pipeline)));
    const validateMs = medianMs(() => validateArgoWorkflow(workflow), runs);
    lines.push(
      `compile ${label} (${pipeline.steps.length} steps): argo ${argoMs.toFixed(1)} ms, kfp ${kfpMs.toFixed(1)} ms, validate ${validateMs.toFixed(1)} ms (median of ${runs})`,
      `  Workflow ${argoBytes} bytes as JSON (${kib(argoBytes)}; YAML ${kib(yamlBytes)}; ${kib(nodeBytes)} as the CLI packs it), KFP file ${kib(kfpBytes)}`
    );
  }
  return lines;
}
