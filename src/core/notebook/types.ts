/**
 * Plain, serialisable types of the `notebook` stage: the notebook as cellpipe reads it, the steps
 * its tags describe, and the diagnostics every stage reports.
 */

export type Severity = 'error' | 'warning' | 'info';

/**
 * A problem found in a notebook. `cell` is the index in `notebook.cells`, or null when the
 * diagnostic is about the notebook as a whole. `line` is 1-based; `column` is 1-based and counts
 * UTF-16 code units (JavaScript string indices), so the first character of a line is column 1.
 */
export interface Diagnostic {
  severity: Severity;
  /** Stable identifier, e.g. 'syntax-error', 'undefined-name', 'unknown-tag'. */
  code: string;
  /** Says what is wrong and what to do about it. */
  message: string;
  cell: number | null;
  line: number;
  column: number;
}

export type CellType = 'code' | 'markdown' | 'raw';

export interface NotebookCell {
  /** Index in `notebook.cells`. */
  index: number;
  /** nbformat >= 4.5 cell id, when present. */
  id: string | null;
  cellType: CellType;
  /** The cell source joined into one string. */
  source: string;
  /** Cell metadata `tags`, strings only, in order. */
  tags: string[];
}

export interface Notebook {
  nbformat: number;
  nbformatMinor: number;
  cells: NotebookCell[];
  /** Notebook-level metadata, as found in the file. */
  metadata: Record<string, unknown>;
}

/** How a cell takes part in the pipeline. */
export type CellRole =
  | 'step'
  | 'prelude' // `imports` / `functions`: run at the start of every step that needs it
  | 'parameters' // `pipeline-parameters` / papermill `parameters`
  | 'metrics' // `pipeline-metrics`
  | 'skip' // `skip`: left out of the pipeline
  | 'text'; // markdown and raw cells

export interface CellPlan {
  index: number;
  role: CellRole;
  /** Name of the step the cell belongs to, for role 'step'. */
  step: string | null;
}

export interface StepSecret {
  name: string;
  key: string;
  env: string;
}

/** Per-step configuration from `limit:`, `image:`, `label:`, ... tags. */
export interface StepConfig {
  limits: Record<string, string>;
  image: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  secrets: StepSecret[];
  cache: boolean | null;
  retry: number | null;
  /** Duration as written (`30m`, `1h30m`, `90s`, or plain seconds). */
  timeout: string | null;
  /** pip requirements its `pip:` tags add to its cluster environment. */
  requirements: string[];
  /** `pip:none`: its image holds everything, install nothing for it (null: as the notebook says). */
  installRequirements: boolean | null;
}

export interface PrevReference {
  /** The step named by the `prev:` tag, as written. */
  name: string;
  /** The cell carrying the tag. */
  cell: number;
}

/** A `foreach:NAME[:N]` tag: the step runs once per item of NAME (docs/fan-out.md). */
export interface ForeachTag {
  over: string;
  parallelism: number | null;
  /** The cell carrying the tag. */
  cell: number;
}

/** A `workers:N[:FRAMEWORK]` tag (docs/distributed-and-serving.md). */
export interface WorkersTag {
  count: number;
  framework: 'torch' | 'python' | null;
  cell: number;
}

/** A `serve:MODEL[:SAMPLE]` tag (docs/distributed-and-serving.md). */
export interface ServeTag {
  model: string;
  sample: string | null;
  cell: number;
}

export interface Step {
  /** The name as the user wrote it; never assume it is a safe identifier. */
  name: string;
  /** Indices of the step's cells, in notebook order (they may be apart). */
  cells: number[];
  prev: PrevReference[];
  config: StepConfig;
  /** Its `foreach:` tag, if it has one. */
  foreach: ForeachTag | null;
  /** Its `workers:` tag, if it has one. */
  workers: WorkersTag | null;
  /** Its `serve:` tag, if it has one. */
  serve: ServeTag | null;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  /** Kale's volume types: 'pvc' (existing claim), 'new_pvc', 'pv', 'clone'. */
  type: string;
  size: string | null;
  storageClass: string | null;
  /** Kale's `expose_as_env_var`: every step sees the mount path in KALE_VOLUME_<NAME> (compile/cluster/claimMounts.ts). */
  exposeAsEnvVar: boolean;
}

/** Kale's `security_context`: whom every step's pod runs as on a cluster. */
export interface SecurityContext {
  runAsUser: number;
  runAsGroup: number;
  runAsNonRoot: boolean;
}

/** Notebook-level settings: cellpipe's own `metadata.cellpipe` over Kale's `metadata.kubeflow_notebook`. */
export interface NotebookSettings {
  pipelineName: string | null;
  description: string | null;
  experiment: string | null;
  image: string | null;
  /** The shared volume the steps pass data over. */
  volume: {
    size: string | null;
    storageClass: string | null;
    accessMode: string | null;
    /**
     * An existing claim to use as the run's volume (`metadata.cellpipe.volume.claim`) instead of a
     * fresh one per run: what it holds (installed environments, served models) outlives the run.
     */
    claim: string | null;
  };
  /** Extra volumes mounted into every step. */
  mounts: VolumeMount[];
  /** Whether steps may reuse earlier outputs unless their `cache:` tag says otherwise (Kale's `enable_caching`); null: cellpipe's default. */
  cache: boolean | null;
  /** Configuration tags applied to every step before its own tags (Kale's `steps_defaults`). */
  stepDefaults: string[];
  /** pip requirements added to every step's cluster environment. */
  requirements: string[];
  /** False: the images hold everything the steps import; nothing is installed. */
  installRequirements: boolean;
  /** Where pip installs from on the cluster. */
  packageIndex: PackageIndex;
  /**
   * Kale's `security_context`, its missing keys Kale's defaults; null when the metadata has none or
   * says `enabled: false`. Kale applies its defaults to a notebook without the key too; cellpipe does
   * not, so compiled pipelines of existing notebooks stay as they were (metadata.ts says why).
   */
  securityContext: SecurityContext | null;
  /** What a cluster runs `workers:` steps as: 'trainjob' (Kubeflow Trainer v2, the default) or 'pytorchjob' (Training Operator v1); absent: the default. */
  distributed?: string;
}

/**
 * The package index of cluster installs. URLs here must not carry credentials: those come from the
 * Kubernetes secret named by `secret` (keys `index-url`, `extra-index-url`), never from the notebook.
 */
export interface PackageIndex {
  indexUrl: string | null;
  extraIndexUrls: string[];
  trustedHosts: string[];
  secret: string | null;
}

/** The notebook grouped into steps, with the special cells and settings set apart. */
export interface NotebookPlan {
  cells: CellPlan[];
  steps: Step[];
  preludeCells: number[];
  parameterCells: number[];
  metricsCells: number[];
  settings: NotebookSettings;
  diagnostics: Diagnostic[];
}
