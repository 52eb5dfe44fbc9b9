/**
 * The runtime contract: every name and number the step runtime (cellpipe_runtime.py, with its step
 * entry cellpipe_step.py) shares with the compilers and the backends. The Python keeps its own
 * literals; contract.spec.ts reads its source and fails when one of them drifts from these.
 */

/** Version of the step spec the runtime reads (`SPEC_VERSION`), also written into manifests. */
export const SPEC_VERSION = 1;

/**
 * The run's data folder (`CELLPIPE_DATA_DIR`): one folder per step id with its values and result,
 * and the runtime folder (not a step id: those start with a letter) holding the runtime file that
 * every step script of the run executes, written once per run before its steps start.
 */
export const RUNTIME_FOLDER = '_cellpipe';
export const RUNTIME_FILE = 'cellpipe_runtime.py';
/** The runtime file relative to the data folder ('/'-separated). */
export const RUNTIME_PATH = `${RUNTIME_FOLDER}/${RUNTIME_FILE}`;
/** The name the runtime file is imported under (`sys.modules`), by step scripts and the local launcher. */
export const RUNTIME_MODULE = 'cellpipe_runtime';

/** Files in a step's data folder: the result document, the metrics, each value's manifest (`<name>.json`). */
export const STEP_RESULT_FILE = '.step.json';
export const METRICS_FILE = '.metrics.json';
/**
 * The step's cells' outputs as Jupyter would show them (core/run/cellOutputs.ts: StepCellOutputs),
 * rewritten atomically after each of its cells has run, so a run shows them as it goes.
 */
export const CELL_OUTPUTS_FILE = '.outputs.json';
export const MANIFEST_SUFFIX = '.json';

/** A global random generator's saved state in a step's data folder (pickle), e.g. `.random-numpy.pkl`. */
export function randomStateFile(generator: string): string {
  return `.random-${generator}.pkl`;
}

/** Environment variables the runtime reads. */
export const RUNTIME_ENV = {
  /** Required: the run's data folder. */
  dataDir: 'CELLPIPE_DATA_DIR',
  /** The run's parameter values: one JSON object `{name: value}` (the only encoding). */
  parameters: 'CELLPIPE_PARAMETERS',
  /** The same object in a file (a path), instead of `parameters`. */
  parametersFile: 'CELLPIPE_PARAMETERS_FILE',
  /**
   * JSON-lines file for the runtime's events, a relative path being relative to the data folder
   * (pods: podEventsFile); unset: stderr lines starting with "[cellpipe] ".
   */
  events: 'CELLPIPE_EVENTS',
  /** "0" skips fsync. */
  fsync: 'CELLPIPE_FSYNC',
  /** "arrow" (default), "parquet" or "pickle": how pandas values are written. */
  pandasFormat: 'CELLPIPE_PANDAS_FORMAT',
  /** "0" turns the capture of cells' outputs off (CELL_OUTPUTS_FILE is not written). */
  outputs: 'CELLPIPE_OUTPUTS',
  /**
   * The largest CELL_OUTPUTS_FILE a step writes, in bytes: beyond it the largest outputs are
   * replaced by a note saying what was cut. Pods set it (CLUSTER_CELL_OUTPUTS_LIMIT) so the document
   * travels back in the step's result; unset: the runtime's own caps per output only.
   */
  outputsLimit: 'CELLPIPE_OUTPUTS_LIMIT',
  /**
   * Where the step entry writes the step's cells and their outputs as one HTML page after the step
   * (cellpipe_outputs_page.py): KFP's completion guard sets it to the path of the step's HTML
   * output artifact, which the KFP UI shows; unset: no page.
   */
  outputsPage: 'CELLPIPE_OUTPUTS_PAGE',
  /**
   * A fan-out step's instance: the item index (0-based) it runs the loop body for; it writes its
   * values, result and outputs to instanceDir(step, index) instead of the step's folder.
   */
  item: 'CELLPIPE_ITEM',
  /** "1": a fan-out step's gather: merges its instances' folders into the step's folder. */
  gather: 'CELLPIPE_GATHER',
  /** Where a `serve:` step saves its model (a folder per served name and version); unset: `_models` in the data folder. */
  modelsDir: 'CELLPIPE_MODELS_DIR',
  /** The run's id: the version of a model a `serve:` step saves. */
  runId: 'CELLPIPE_RUN_ID'
} as const;

/** What a `serve:` step leaves in its folder for the backend: the model's folder, the sample's rows, the notebook's predictions. */
export const SERVE_FILE = '.serve.json';

/** Where a distributed step's worker of rank > 0 writes (its result and outputs), inside the step's folder: `ranks/<rank>`. */
export const RANKS_FOLDER = 'ranks';

/** Where a fan-out step's instances write, inside the step's data folder: `items/<index>`. */
export const INSTANCES_FOLDER = 'items';

/** A fan-out instance's data folder relative to the run's data folder ('/'-separated). */
export function instanceDir(stepId: string, index: number): string {
  return `${stepId}/${INSTANCES_FOLDER}/${index}`;
}

/**
 * The item list of an output a fan-out step runs over, in its producer's data folder: the JSON
 * array `[0, 1, ..., n-1]` (PipelineStep.itemLists).
 */
export function itemsFile(name: string): string {
  return `.items-${name}.json`;
}

/** CELLPIPE_OUTPUTS_LIMIT in pods: what a step's outputs may add to the Workflow (etcd keeps it under 1.5 MiB). */
export const CLUSTER_CELL_OUTPUTS_LIMIT = 64 * 1024;

/** The Argo output parameter carrying a step's cell outputs document (read from CELL_OUTPUTS_FILE). */
export const CELL_OUTPUTS_PARAMETER = 'cellpipe-outputs';

/** Names of the events the runtime emits (the `event` field of each JSON line). */
export const RUNTIME_EVENTS = [
  'started',
  'parameters',
  'input-loaded',
  'cell-outputs',
  'output-saved',
  'metrics',
  'model-saved',
  'warning',
  'finished',
  'failed'
] as const;
export type RuntimeEvent = (typeof RUNTIME_EVENTS)[number];

/** The step process's exit code, by what ended it. */
export const EXIT_CODES = {
  succeeded: 0,
  /** The user's code raised. */
  user: 1,
  /** Invalid spec, parameters or environment, IPython unavailable, runtime file missing. */
  invalid: 2,
  /** An input could not be loaded or an output saved. */
  data: 3,
  /** A bug of the runtime. */
  internal: 4,
  /** SIGINT. */
  interrupted: 130,
  /** SIGTERM. */
  terminated: 143
} as const;

/** The Argo output parameter carrying a step's result document (read from STEP_RESULT_FILE). */
export const RESULT_PARAMETER = 'cellpipe-result';

/**
 * Where a pod's step writes its events, relative to the run's data folder: beside the runtime file,
 * so the pod's log holds only what the user's code printed, as Run All shows it.
 */
export function podEventsFile(stepId: string): string {
  return `${RUNTIME_FOLDER}/${stepId}.events.jsonl`;
}
