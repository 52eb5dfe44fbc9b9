import type { Pipeline } from '../../../src/core/pipeline';
import type { BackendName, OutputSummary } from '../../../src/core/run/api';
import type { JsonValue, RunState, StepMember, SweepMembership } from '../../../src/core/run/types';

/** A run this process started and follows. */
export interface RunHandle {
  runId: string;
  /** Resolves with the final state once every step has finished. */
  done: Promise<RunState>;
  cancel(): void;
}

/** What a backend is asked to run: a pipeline, this run's parameter values, and where the notebook is. */
export interface PipelineRun {
  /** Its `notebookPath` is what the run store records (relative to the working folder or the Jupyter root). */
  pipeline: Pipeline;
  /** Every parameter's value for this run, defaults merged and checked (core/run/parameterValues.ts). */
  parameters: Record<string, JsonValue>;
  /** Absolute folder of the notebook: the working folder of local steps, as for Run All. */
  notebookDir: string;
  /** The sweep this run is a point of (recorded in RunState.sweep). */
  sweep?: SweepMembership;
}

/**
 * A place where pipelines run: the local machine, Argo Workflows on Kubernetes, Kubeflow Pipelines.
 * Every backend records its runs in the run store and reports them with the same RunEvents, so the
 * application layer, the CLI, the service and the UI never care which one ran a pipeline.
 * Operations on a stored run (`state`) work whether or not this process started it.
 */
export interface Backend {
  readonly name: BackendName;
  start(run: PipelineRun): Promise<RunHandle>;
  /**
   * Runs a finished, unsuccessful run again; the local backend resumes from the steps that did not
   * succeed. `from` (a step's name or id): that step and every step downstream of it run again too,
   * reusing the values of the steps above it (a succeeded run included).
   */
  retry(state: RunState, from?: string): Promise<RunHandle>;
  /**
   * Retries a run with the notebook's code as it is now (`run`: the same steps with the same
   * dependencies as the run's): besides what `retry` runs, every step whose code, parameter values
   * or inputs changed runs again, the others keep their values. Only a backend that can change a
   * run's code in place has it (local); RunService starts a new run elsewhere.
   */
  retryWithCode?(state: RunState, run: PipelineRun, from?: string): Promise<RunHandle>;
  /** Stops a run that no handle in this process holds (started by another process); says what it did. */
  cancel(state: RunState): Promise<string>;
  /** The stored state brought up to date with what the backend knows now, and saved. */
  refresh(state: RunState): Promise<RunState>;
  /** What a step printed; with `member`, what one of its items or workers printed. */
  stepLog(state: RunState, stepId: string, member?: StepMember): Promise<string>;
  /** The values a step saved, as their manifests describe them. */
  stepOutputs(state: RunState, stepId: string): Promise<OutputSummary[]>;
}
