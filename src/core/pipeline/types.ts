/**
 * The Pipeline IR: one plain, serialisable object between analysis and the compilers (step scripts,
 * Argo, KFP). Everything a backend needs, nothing tied to one backend.
 */
import type { Diagnostic, NotebookSettings, StepConfig } from '../notebook';
import type { Parameter } from '../analysis';

/** One thing a step script does, in order, in one namespace (the runtime's `plan`). */
export type PlanItem =
  | {
      kind: 'code';
      source: string;
      /** What tracebacks call it, e.g. `<cell 5: step train>`. */
      filename: string;
      /** 'replay': configuration an earlier step set, run again (analysis/processStateFlow.ts). */
      role: 'declaration' | 'replay' | 'cell';
      /** role 'cell': the cell's index in the notebook, which its captured outputs are kept under. */
      cell?: number;
    }
  | { kind: 'load'; name: string; fromStepDir: string; fromStep: string }
  /** Restores a global random generator's state as an earlier step left it. */
  | { kind: 'random'; generator: string; fromStepDir: string; fromStep: string };

export interface PipelineStep {
  /** Safe unique id (DNS-1123 label): folder on the volume, Argo task/template name. */
  id: string;
  /** The user's name, for display only. */
  name: string;
  cells: number[];
  /** Ids of the steps that must finish first. */
  dependsOn: string[];
  inputs: Array<{ name: string; from: string }>;
  outputs: string[];
  /**
   * Parameters its code may read (all of them when the code is opaque: `exec`, `globals()`):
   * a local run's cache key holds only these parameters' values.
   */
  parameters: string[];
  /** Global random generators whose state the step saves for a later step (`random`, `numpy`, `torch`). */
  randomStates: string[];
  /** Outputs kept only to be looked at (StepAnalysis.results): saved if they can be, never failing the step. */
  results: string[];
  metrics: string[];
  plan: PlanItem[];
  config: StepConfig;
  /** Whether an unchanged step may reuse earlier outputs (the `cache:` tag, default on). */
  cache: boolean;
  /** The step has IPython magics: its image needs IPython. */
  usesMagics: boolean;
  /**
   * Modules its code imports at module level, its own cells' and the declarations run before them
   * (`import numpy as np` -> 'numpy', `from sklearn import svm` -> 'sklearn.svm'), sorted: what a
   * local launcher may import ahead of the step.
   */
  imports: string[];
  /** Its code may set environment variables (`os.environ`, `putenv`, `%env`), which a library may read at import. */
  setsEnvironment: boolean;
  /**
   * What a cluster installs for it (environments.ts): absent when not worked out (local runs use
   * the kernel's Python), null when its image is to hold everything (`pip:none`).
   */
  environment?: StepEnvironment | null;
  /** A step run by several workers (`workers:N`, docs/distributed-and-serving.md). */
  distributed?: DistributedStep;
  /** A step whose model is served after it (`serve:MODEL[:SAMPLE]`, docs/distributed-and-serving.md). */
  serve?: ServedModel;
  /**
   * A fan-out step (`foreach:NAME` tag): its cell is one `for` loop over a list an earlier step
   * made, and it runs as one instance per item, in parallel, then a gather (docs/fan-out.md).
   */
  fanOut?: FanOut;
  /**
   * Outputs of this step that a later fan-out step runs over: after saving them the step writes
   * each one's item count as `[0, 1, ..., n-1]` to itemsFile(name) in its data folder (Argo's
   * `withParam` reads that list; the local backend reads its length).
   */
  itemLists?: string[];
}

/** How a distributed step runs: N workers, with torchrun's environment. */
export interface DistributedStep {
  workers: number;
  /** 'torch': the step imports torch (the cluster runs it through torchrun); 'python': plain processes. */
  framework: 'torch' | 'python';
}

/** A model a step leaves, served after it (KServe's layout and protocol). */
export interface ServedModel {
  /** The step's value holding the model. */
  model: string;
  /** The value whose first rows make the test request; null: no request. */
  sample: string | null;
  /** The served model's name (InferenceService name): a DNS-1035 label. */
  name: string;
}

/** How a fan-out step runs over its list and what the steps after it see. */
export interface FanOut {
  /** The list's name: an output of step `from`, an input of this step. */
  over: string;
  /** Id of the step that made the list. */
  from: string;
  /** The most instances running at once (`foreach:NAME:N`); null: as many as the backend runs. */
  parallelism: number | null;
  /**
   * Lists, dicts and sets made upstream that the loop only adds to (`scores.append(s)`,
   * `best[k] = v`, `seen.add(x)`): gathered as the loop would leave them, every instance's additions
   * in item order. Every other output is the last item's value, as after the loop.
   */
  accumulators: string[];
}

/** The pip requirements of a step on a cluster, sorted by distribution name. */
export interface StepEnvironment {
  requirements: string[];
}

export interface Pipeline {
  version: 1;
  /** The user's pipeline name. */
  name: string;
  description: string | null;
  experiment: string | null;
  notebookPath: string | null;
  parameters: Parameter[];
  metrics: string[];
  settings: NotebookSettings;
  steps: PipelineStep[];
  /** Everything analysis and the pipeline stage reported. */
  diagnostics: Diagnostic[];
}
