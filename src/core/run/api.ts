/**
 * The bodies of the cellpipe service's HTTP API, shared by the service (server/src/service) and
 * its one client (src/api/client.ts), so the two cannot drift apart.
 */
import type { CompiledFile, CompileTarget } from '../compile/targetNames';
import type { Diagnostic } from '../notebook';
import type { SweepGrid } from './sweepGrid';
import type { JsonValue, RunState, RunStatus } from './types';

export { COMPILE_TARGETS, type CompiledFile, type CompileTarget } from '../compile/targetNames';

/** What `GET /api/health` returns. */
export interface HealthReport {
  status: 'ok';
  version: string;
  pid: number;
  node: string;
  uptimeSeconds: number;
}

/** One saved output of a step, as its manifest describes it (`GET /api/runs/:id/steps/:step/outputs`). */
export interface OutputSummary {
  name: string;
  type: string | null;
  serializer: string | null;
  bytes: number | null;
}

/** What `POST /api/compile {path, target}` returns. */
export interface CompileResult {
  target: CompileTarget;
  pipelineName: string;
  files: CompiledFile[];
}

/** Where a run can go. */
export const BACKEND_NAMES = ['local', 'kubernetes', 'kfp'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** `POST /api/runs`: start a run of a notebook. */
export interface StartRunBody {
  /** Notebook path relative to the Jupyter root (as JupyterLab names it). */
  path: string;
  /** Parameter values by name, typed (see parseParameterText), overriding the notebook's defaults. */
  parameters?: Record<string, JsonValue>;
  /** 'local' (default), 'kubernetes' (Argo Workflows) or 'kfp' (Kubeflow Pipelines). */
  backend?: BackendName;
  /** local: interpreter of the steps; absent means the notebook kernel's. */
  python?: string;
  /** local: steps run at once; 0 or absent means one per CPU core. */
  workers?: number;
  /** kubernetes: namespace of the Workflow; absent means the kubeconfig context's. */
  namespace?: string;
  /** kubernetes, kfp: image of steps that name none. */
  image?: string;
  /** kfp: URL of the Kubeflow Pipelines API (the token comes from the service's $KFP_TOKEN / $KFP_COOKIE). */
  kfpHost?: string;
}

/** `POST /api/sweeps`: run a notebook once per point of a grid of parameter values, as one submission. */
export interface StartSweepBody extends StartRunBody {
  /** Swept values by parameter name, typed; the runs are their cartesian product. `parameters` hold for every run. */
  grid: SweepGrid;
}

/** What starting a sweep returns: its id and its runs, in grid order. */
export interface SweepStarted {
  sweepId: string;
  runIds: string[];
}

/** `GET /api/sweeps/:id`: a sweep's runs side by side. */
export interface SweepReport {
  sweepId: string;
  notebookPath?: string;
  /** The swept parameters, in the grid's order. */
  swept: string[];
  /** The metrics the runs reported, sorted by name (as Pipeline.metrics). */
  metrics: string[];
  /** One per point of the grid, by index (RunState.sweep); a run removed from the store is missing. */
  runs: RunState[];
}

/** `POST /api/runs/:id/retry`: run a run again. */
export interface RetryRunBody {
  /** A step (name or id) to run again with every step downstream of it, reusing the values above it. */
  from?: string;
  /**
   * 'notebook' (default): the notebook's code as it is now on disk, so the user's fix runs: steps
   * whose code, parameters or inputs changed run again, and when the notebook's steps changed, a
   * new run starts (the reply's runId is then the new run's). 'run': the run's own code.
   */
  code?: 'notebook' | 'run';
}

/** The statuses a run ends in. */
export const FINISHED_RUN_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(['Succeeded', 'Failed', 'Cancelled']);

export function isFinished(status: RunStatus): boolean {
  return FINISHED_RUN_STATUSES.has(status);
}

/** `POST /api/packages {path, python?}`: what a cluster installs for each step (`cellpipe analyze --packages`). */
export interface PackagesReport {
  /** The Python whose packages the steps are pinned to. */
  python: string;
  /** In step order; `packages` null where the step's image is to hold everything. */
  steps: Array<{ name: string; packages: string[] | null }>;
  /** Modules the kernel cannot import, files that belong to no package. */
  diagnostics: Diagnostic[];
}
