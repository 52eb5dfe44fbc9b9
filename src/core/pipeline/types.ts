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
