/**
 * What every backend (local, kubernetes, kfp) accepts and reports, so that the CLI, the service
 * and the UI never care which backend ran a pipeline. Plain JSON-serialisable types only.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type RunStatus = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Cancelled';

export type StepStatus = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped' | 'Cached' | 'Cancelled';

/** A step ready to run: its compiled script and its place in the DAG. */
export interface RunnableStep {
  /** Safe identifier (lowercase DNS-1123 label), unique in the pipeline; names folders and pods. */
  id: string;
  /** The user's step name, for display only. */
  name: string;
  /** Ids of the steps that must succeed first. */
  dependsOn: string[];
  /** The step script (Python source), identical for every backend; it runs the request's `runtime`. */
  script: string;
  /** Whether an unchanged step may reuse the outputs of an earlier successful run. */
  cache: boolean;
  /**
   * A digest of what the step runs (its code in full, the defaults of the parameters it reads,
   * the runtime's version), which its cache key is made from. Absent in requests stored before
   * it existed: the script stands for it.
   */
  codeKey?: string;
  /** Parameters its code may read: its cache key holds only their values. Absent: all of them. */
  parameters?: string[];
  /**
   * Modules the step's code imports (PipelineStep.imports): a local launcher may import them
   * ahead, once for all steps. Absent: nothing is imported ahead for this step.
   */
  imports?: string[];
  /** The step's code may set environment variables (PipelineStep.setsEnvironment): then nothing is imported ahead. */
  setsEnvironment?: boolean;
  /**
   * A fan-out step (PipelineStep.fanOut): the backend runs its script once per item of list `over`
   * (count in itemsFile(over) of step `from`'s data folder), with CELLPIPE_ITEM set, at most
   * `parallelism` at once, then once more with CELLPIPE_GATHER=1.
   */
  fanOut?: { over: string; from: string; parallelism: number | null };
  /** A distributed step (PipelineStep.distributed): the backend runs its script as `workers` processes, torchrun's way. */
  distributed?: { workers: number };
  /** A step whose model the backend serves after it (PipelineStep.serve; the runtime leaves SERVE_FILE). */
  serve?: { name: string };
}

export interface RunRequest {
  pipelineName: string;
  /** Notebook the pipeline was compiled from, relative to the working folder, if any. */
  notebookPath?: string;
  steps: RunnableStep[];
  /** Parameter values of this run (defaults already merged); reach the steps as JSON data. */
  parameters: Record<string, JsonValue>;
  /**
   * Content of the run's runtime file (compileStepScripts), which the step scripts import: written
   * once per run to RUNTIME_PATH in the run's data folder before its steps start. Absent only in
   * requests stored before step scripts shared it (their scripts embed the runtime).
   */
  runtime?: string;
}

export interface StepState {
  id: string;
  name: string;
  status: StepStatus;
  dependsOn: string[];
  startedAt?: string;
  finishedAt?: string;
  cached: boolean;
  exitCode?: number | null;
  /** Why the step failed or was skipped, in words. */
  message?: string;
  /**
   * Where the user's code raised, when it did: notebook cell index, 1-based line in the cell, and
   * the error as Python words it (`message` adds where, for places that show no cell).
   */
  failure?: { cell: number; line: number; error: string };
  /** How many times the step has been started in this run (retries add one). */
  attempts: number;
  metrics?: Record<string, number>;
  /** Local backend: the step's process id (also its process group), while it runs. */
  pid?: number;
  /** Local backend: when that process started (Linux: /proc/PID/stat), so a reused pid is never taken for it. */
  pidStartTime?: string;
  /** Local backend: the cache key of the step's code, parameters and inputs. */
  cacheKey?: string;
  /** A distributed step's workers, by rank (rank 0's is the step's own log and outputs). */
  workers?: InstanceState[];
  /** A served model's name, URL and status (a `serve:` step, once it ran). */
  served?: ServedModelState;
  /**
   * A fan-out step's instances, by item index, once its list's length is known; the step's own
   * status is the gather's (Running while any instance runs). Absent for other steps.
   */
  instances?: InstanceState[];
}

/** A model a `serve:` step left, as a model server serves it. */
export interface ServedModelState {
  name: string;
  /** Where it answers KServe's v1 protocol: `URL/v1/models/NAME:predict`. */
  url: string;
  status: 'Ready' | 'Failed';
  /** Why it is not ready, in words. */
  message?: string;
  /** The test request's answer, and what the notebook's own model.predict said of the same rows. */
  prediction?: { instances: unknown[]; predictions: unknown[]; expected: unknown[] };
}

/** One process of a step that runs several: a fan-out step's item, or a distributed step's worker (rank). */
export interface StepMember {
  group: 'items' | 'ranks';
  index: number;
}

/** One instance of a fan-out step: the step's code run for one item of its list. */
export interface InstanceState {
  status: StepStatus;
  exitCode?: number | null;
  /** Why it failed, in words (names the item). */
  message?: string;
  failure?: { cell: number; line: number; error: string };
  /** Local backend: the instance's process id and its start time, while it runs (as StepState's). */
  pid?: number;
  pidStartTime?: string;
}

/**
 * A run's place in a parameter sweep (one run per point of the grid of values, started as one
 * submission): the sweep's id, the point's index among `of` points, and its swept values.
 */
export interface SweepMembership {
  id: string;
  index: number;
  of: number;
  values: Record<string, JsonValue>;
}

/** The status document of one run: what `cellpipe status RUN --json` prints. */
export interface RunState {
  runId: string;
  backend: 'local' | 'kubernetes' | 'kfp';
  pipelineName: string;
  notebookPath?: string;
  status: RunStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  parameters: Record<string, JsonValue>;
  steps: StepState[];
  metrics: Record<string, number>;
  message?: string;
  /** Local backend: the process running the pipeline, to tell a run whose runner died. */
  runner?: { pid: number; host: string; startTime?: string };
  /** Local backend: the interpreter and working folder of the steps, reused by retry. */
  python?: string;
  cwd?: string;
  /** Kubernetes backend: where the run's Argo Workflow lives. */
  kubernetes?: { namespace: string; workflowName: string };
  /** kfp backend: the Kubeflow Pipelines server and the run's id there. */
  kfp?: { host: string; runId: string; pipelineId?: string };
  /** The parameter sweep this run is a point of, if any. */
  sweep?: SweepMembership;
}

export type RunEvent =
  | { type: 'run'; runId: string; status: RunStatus; message?: string }
  | { type: 'step'; runId: string; step: StepState }
  | { type: 'log'; runId: string; stepId: string; stream: 'stdout' | 'stderr'; text: string }
  /** Cells of the step have new outputs (their indices in the notebook): read them with `GET /api/runs/:id/cell-outputs`. */
  | { type: 'cell-outputs'; runId: string; stepId: string; cells: number[] };
