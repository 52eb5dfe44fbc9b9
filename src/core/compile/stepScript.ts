/**
 * The Python a pipeline runs, the same files on every backend (local, Argo Workflows, KFP):
 *
 * - one runtime file per run, `<CELLPIPE_DATA_DIR>/_cellpipe/cellpipe_runtime.py`: the step
 *   runtime, the step entry (`run_step`), the code several steps run (stored once) and the id of
 *   this compilation. The local backend writes it before the run's steps start; on a cluster the
 *   run's setup task writes it to the data volume. A Workflow of hundreds of steps stays far below
 *   etcd's object limit, and needs no other object (no ConfigMap) to run.
 * - one `step.py` per step: a header, a few lines that import the runtime file, and one call
 *   `run_step(SPEC)` with the step's spec as a literal. The spec carries the code of the step's
 *   cells and declarations as data; the runtime compiles each under its cell's name, so a
 *   traceback points at `<cell N: step S>`, and the runtime's own frames at the runtime file.
 *
 * Each script reads the data folder from CELLPIPE_DATA_DIR, or from its first command-line
 * argument (KFP, where the rest are the run's parameter values; see cellpipe_step.py).
 */
import type { FanOut, Pipeline, PipelineStep, PlanItem } from '../pipeline';
import { shieldPythonLiterals } from './cluster/argoSafe';
import { pyLiteral, pyStr } from './pythonLiteral';
import {
  DISTRIBUTED_SOURCE,
  FAN_OUT_SOURCE,
  OUTPUT_CAPTURE_SOURCE,
  OUTPUTS_PAGE_SOURCE,
  RUNTIME_SOURCE,
  SERVE_SOURCE,
  STEP_ENTRY_SOURCE
} from './runtime';
import { EXIT_CODES, RUNTIME_ENV, RUNTIME_FILE, RUNTIME_FOLDER, RUNTIME_MODULE, RUNTIME_PATH, SPEC_VERSION } from './runtime/contract';
import { cellNumbers } from '../notebook';
import { fingerprint } from '../fingerprint';

/** What a pipeline runs: the content of the run's runtime file and each step's script. */
export interface StepScripts {
  /** Content of the runtime file, written once per run at RUNTIME_PATH in the run's data folder. */
  runtime: string;
  /** The step script (`step.py`) of every step, by step id, in pipeline order. */
  steps: Map<string, string>;
}

/** What the runtime's `main()` receives (see runtime/cellpipe_runtime.py), code in full. */
export function stepSpec(pipeline: Pipeline, step: PipelineStep): Record<string, unknown> {
  return {
    version: SPEC_VERSION,
    pipeline: pipeline.name,
    step: step.name,
    stepDir: step.id,
    plan: step.plan,
    parameters: Object.fromEntries(pipeline.parameters.map(p => [p.name, p.default])),
    // JSON (and so the defaults above and the run's values) cannot tell `1.0` from `1`.
    floatParameters: pipeline.parameters.filter(p => p.type === 'float').map(p => p.name),
    outputs: step.outputs,
    // Only when there are some: most steps save none, and a Workflow repeats every spec.
    ...(step.randomStates.length > 0 ? { randomStates: step.randomStates } : {}),
    ...(step.results.length > 0 ? { results: step.results } : {}),
    metrics: step.metrics,
    ...(step.itemLists?.length ? { itemLists: step.itemLists } : {}),
    ...(step.fanOut ? { fanOut: fanOutSpec(step, step.fanOut) } : {}),
    ...(step.distributed ? { distributed: { workers: step.distributed.workers } } : {}),
    ...(step.serve ? { serve: step.serve } : {}),
    magics: 'ipython'
  };
}

/** What the runtime needs of a fan-out (cellpipe_fanout.py): the list, its step's folder, the loop's cell. */
function fanOutSpec(step: PipelineStep, fanOut: FanOut): Record<string, unknown> {
  return { over: fanOut.over, fromStepDir: fanOut.from, cell: step.cells[0], accumulators: fanOut.accumulators };
}

/** The runtime's own sources, which every runtime file starts with. */
/** In the order the runtime file holds them (the step entry last: its module-level code uses the others'). */
export const RUNTIME_PARTS = [
  RUNTIME_SOURCE,
  OUTPUT_CAPTURE_SOURCE,
  FAN_OUT_SOURCE,
  DISTRIBUTED_SOURCE,
  SERVE_SOURCE,
  OUTPUTS_PAGE_SOURCE,
  STEP_ENTRY_SOURCE
];
const RUNTIME_SOURCES = RUNTIME_PARTS.map(source => source.trimEnd());
/** The runtime file's first line: its parts ship without their commentary (scripts/python-commentary.cjs). */
const RUNTIME_HEADER =
  "# cellpipe's step runtime, generated (do not edit); its sources, with their comments, are cellpipe's src/core/compile/runtime/*.py";

let runtimeVersion: string | undefined;

/**
 * What a step runs, as a text that changes exactly when that does: its spec (code in full) with
 * the names of only the parameters it reads, and the runtime's version. A local run's cache keys
 * on this and on the run's values of those parameters (every value is given: defaults merged), not
 * on the script, which holds every parameter's default and the id of the whole compilation (any
 * step's shared code changes it).
 */
export function stepCodeIdentity(pipeline: Pipeline, step: PipelineStep): string {
  runtimeVersion ??= fingerprint(RUNTIME_SOURCES.join('\n'));
  const reads = new Set(step.parameters);
  const { parameters, floatParameters, ...spec } = stepSpec(pipeline, step);
  return JSON.stringify({
    runtime: runtimeVersion,
    spec: {
      ...spec,
      parameters: Object.keys(parameters as Record<string, unknown>).filter(name => reads.has(name)),
      floatParameters: (floatParameters as string[]).filter(name => reads.has(name))
    }
  });
}

/** Sources of code plan items that more than one step runs, in first-use order. */
export function sharedSources(pipeline: Pipeline): string[] {
  const uses = new Map<string, number>();
  for (const step of pipeline.steps) {
    for (const item of step.plan) {
      if (item.kind === 'code') {
        uses.set(item.source, (uses.get(item.source) ?? 0) + 1);
      }
    }
  }
  return [...uses].filter(([, n]) => n > 1).map(([source]) => source);
}

/** The runtime file of a pipeline, and its id (which every step script names, so the two match). */
function runtimeFile(shared: string[]): { content: string; id: string } {
  const body = `${RUNTIME_HEADER}\n${RUNTIME_SOURCES.join('\n\n\n')}\n\n\n_SHARED_SOURCES = ${pyLiteral(shared)}\n`;
  const id = fingerprint(body);
  return { content: `${body}_RUNTIME_ID = ${pyStr(id)}\n`, id };
}

/** The header, saying what the file is; user strings appear in it only through pyLiteral. */
function header(pipeline: Pipeline, step: PipelineStep): string[] {
  return [
    '# -*- coding: utf-8 -*-',
    `# Generated by cellpipe from a notebook (do not edit); runs <CELLPIPE_DATA_DIR>/${RUNTIME_PATH}.`,
    `# pipeline: ${pyLiteral(pipeline.name)}`,
    `# step:     ${pyLiteral(step.name)} (cells ${cellNumbers(step.cells)})`
  ];
}

/**
 * Imports the runtime file as module RUNTIME_MODULE, unless the local step launcher already did
 * (the same file) before forking this step. A missing file is explained, exit code 2. Short: it
 * is repeated in every step of a Workflow.
 */
const IMPORT_RUNTIME = [
  'import os',
  'import sys',
  'if len(sys.argv) > 1:',
  '    os.environ[' + pyStr(RUNTIME_ENV.dataDir) + '] = sys.argv[1]',
  '_path = os.path.join(os.environ.get(' +
    pyStr(RUNTIME_ENV.dataDir) +
    ', ' +
    pyStr('') +
    '), ' +
    pyStr(RUNTIME_FOLDER) +
    ', ' +
    pyStr(RUNTIME_FILE) +
    ')',
  '_runtime = sys.modules.get(' + pyStr(RUNTIME_MODULE) + ')',
  'if getattr(_runtime, ' + pyStr('__file__') + ', None) != _path:',
  '    import importlib.util',
  '    _spec = importlib.util.spec_from_file_location(' + pyStr(RUNTIME_MODULE) + ', _path)',
  '    _runtime = importlib.util.module_from_spec(_spec)',
  '    try:',
  '        _spec.loader.exec_module(_runtime)',
  '    except OSError as _error:',
  '        sys.stderr.write(' +
    pyStr(`[cellpipe] cannot read the step runtime (%s): is ${RUNTIME_ENV.dataDir} the data folder of the run?\n`) +
    ' % _error)',
  `        raise SystemExit(${EXIT_CODES.invalid})`,
  '    sys.modules[' + pyStr(RUNTIME_MODULE) + '] = _runtime'
];

/** The plan with the code of shared sources replaced by their index in the runtime file. */
function planWithSharedSources(step: PipelineStep, index: Map<string, number>): Array<PlanItem | Record<string, unknown>> {
  return step.plan.map((item: PlanItem) => {
    if (item.kind !== 'code' || !index.has(item.source)) {
      return item;
    }
    const { source, ...rest } = item;
    return { ...rest, sharedSource: index.get(source) };
  });
}

/**
 * The runtime file and the step scripts of a pipeline: the only Python cellpipe generates for a
 * run, the same for every backend. User text reaches it only inside pyStr/pyLiteral literals,
 * written so that neither Argo nor Kubernetes finds a template in it (argoSafe.ts).
 */
export function compileStepScripts(pipeline: Pipeline): StepScripts {
  const shared = sharedSources(pipeline);
  const index = new Map(shared.map((source, i) => [source, i]));
  const runtime = runtimeFile(shared);
  const steps = new Map(
    pipeline.steps.map(step => {
      const spec = { ...stepSpec(pipeline, step), plan: planWithSharedSources(step, index), runtime: runtime.id };
      const lines = [...header(pipeline, step), ...IMPORT_RUNTIME, `_runtime.run_step(${pyLiteral(spec)})`, ''];
      return [step.id, shieldPythonLiterals(lines.join('\n'))];
    })
  );
  return { runtime: runtime.content, steps };
}
