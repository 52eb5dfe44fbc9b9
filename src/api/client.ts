import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import {
  isFinished,
  type CompileResult,
  type CompileTarget,
  type HealthReport,
  type OutputSummary,
  type PackagesReport,
  type RetryRunBody,
  type StartRunBody,
  type StartSweepBody,
  type SweepReport,
  type SweepStarted
} from '../core/run/api';
import type { RunCellOutputsReply } from '../core/run/cellOutputs';
import type { RunEvent, RunState, StepMember } from '../core/run/types';
import { attachmentFileName } from './attachmentFileName';

/** Callbacks of a run's event stream. */
export interface RunStreamHandlers {
  /** The run's state when the stream (re)connects. */
  state(state: RunState): void;
  event(event: RunEvent): void;
}

/** A file the service offers for download (Content-Disposition: attachment). */
export interface DownloadedFile {
  fileName: string;
  content: string;
}

/** The RunEvent types a run's event stream carries, each as its own server-sent event type. */
const RUN_EVENT_TYPES: ReadonlyArray<RunEvent['type']> = ['run', 'step', 'log', 'cell-outputs'];

/** An error from the cellpipe service, with the message the service gave. */
export class ServiceError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

/**
 * The one module that talks HTTP to the cellpipe service. Requests go to Jupyter's own server
 * (`{baseUrl}/cellpipe/...`, forwarded by jupyter-server-proxy), so they carry Jupyter's token
 * and XSRF header through ServerConnection; event streams use the browser's EventSource.
 */
export class CellpipeClient {
  constructor(private readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  health(): Promise<HealthReport> {
    return this.request<HealthReport>('api/health');
  }

  startRun(body: StartRunBody): Promise<RunState> {
    return this.post<RunState>('api/runs', body);
  }

  /** Starts one run per point of the grid of parameter values. */
  startSweep(body: StartSweepBody): Promise<SweepStarted> {
    return this.post<SweepStarted>('api/sweeps', body);
  }

  /** A sweep's runs side by side, in grid order. */
  sweep(sweepId: string): Promise<SweepReport> {
    return this.request<SweepReport>(`api/sweeps/${encodeURIComponent(sweepId)}`);
  }

  /** Asks the service to get local runs of a notebook ready (its Python started, its libraries imported). */
  prepareRun(path: string, python?: string): Promise<void> {
    return this.post<void>('api/runs/prepare', { path, python });
  }

  runs(path: string): Promise<RunState[]> {
    return this.request<RunState[]>(`api/runs${URLExt.objectToQueryString({ path })}`);
  }

  run(runId: string): Promise<RunState> {
    return this.request<RunState>(`api/runs/${encodeURIComponent(runId)}`);
  }

  cancel(runId: string): Promise<RunState> {
    return this.post<RunState>(`api/runs/${encodeURIComponent(runId)}/cancel`, {});
  }

  /** Runs a run again; `from`: a step to run again with everything downstream of it. */
  retry(runId: string, from?: string): Promise<RunState> {
    const body: RetryRunBody = from === undefined ? {} : { from };
    return this.post<RunState>(`api/runs/${encodeURIComponent(runId)}/retry`, body);
  }

  /** What a step printed; with `member`, one of its items or workers. */
  stepLog(runId: string, stepId: string, member?: StepMember): Promise<string> {
    const query = member ? `?${member.group === 'items' ? 'item' : 'rank'}=${member.index}` : '';
    return this.request<string>(`api/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}/log${query}`, {}, 'text');
  }

  stepOutputs(runId: string, stepId: string): Promise<OutputSummary[]> {
    return this.request<OutputSummary[]>(`api/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}/outputs`);
  }

  /** What the run's cells showed, in notebook order: every step's cells so far, or one step's (its id or name). */
  cellOutputs(runId: string, step?: string): Promise<RunCellOutputsReply> {
    const query = step === undefined ? '' : URLExt.objectToQueryString({ step });
    return this.request<RunCellOutputsReply>(`api/runs/${encodeURIComponent(runId)}/cell-outputs${query}`);
  }

  /**
   * The executed notebook of a run (every cell with its outputs from the run, Run All's execution
   * counts), under the file name the service gives it. Fetched rather than linked so the request
   * carries Jupyter's token header, and a refusal comes back as a ServiceError to show.
   */
  async executedNotebook(runId: string): Promise<DownloadedFile> {
    const response = await this.send(`api/runs/${encodeURIComponent(runId)}/notebook`);
    return {
      fileName: attachmentFileName(response.headers.get('Content-Disposition')) ?? `${runId}.ipynb`,
      content: await response.text()
    };
  }

  compile(path: string, target: CompileTarget): Promise<CompileResult> {
    return this.post<CompileResult>('api/compile', { path, target });
  }

  /** What a cluster installs for each step of the saved notebook, pinned to its kernel's packages. */
  packages(path: string): Promise<PackagesReport> {
    return this.post<PackagesReport>('api/packages', { path });
  }

  /**
   * Follows a run's server-sent events until it ends (or the returned function is called). The
   * stream starts with the current state, so a reconnection after a drop misses nothing.
   */
  watch(runId: string, handlers: RunStreamHandlers): () => void {
    const query = this.settings.token ? URLExt.objectToQueryString({ token: this.settings.token }) : '';
    const source = new EventSource(this.url(`api/runs/${encodeURIComponent(runId)}/events`) + query, {
      withCredentials: true
    });
    const close = (): void => source.close();
    source.addEventListener('state', message => {
      const state = JSON.parse((message as MessageEvent).data) as RunState;
      handlers.state(state);
      if (isFinished(state.status)) {
        close(); // the server closes too; do not let EventSource reconnect
      }
    });
    for (const type of RUN_EVENT_TYPES) {
      source.addEventListener(type, message => {
        const event = JSON.parse((message as MessageEvent).data) as RunEvent;
        handlers.event(event);
        if (event.type === 'run' && isFinished(event.status)) {
          close();
        }
      });
    }
    return close;
  }

  private url(path: string): string {
    return URLExt.join(this.settings.baseUrl, 'cellpipe', path);
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  }

  private async request<T>(path: string, init: RequestInit = {}, as: 'json' | 'text' = 'json'): Promise<T> {
    const text = await (await this.send(path, init)).text();
    if (as === 'text') {
      return text as T;
    }
    try {
      return (text ? JSON.parse(text) : null) as T;
    } catch {
      return null as T;
    }
  }

  /** Sends a request; an answer other than 2xx becomes a ServiceError with the service's own message. */
  private async send(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(this.url(path), init, this.settings);
    } catch (error) {
      throw new ServiceError(`cannot reach the cellpipe service: ${String(error)}`, 0);
    }
    if (response.ok) {
      return response;
    }
    const text = await response.text();
    let detail: string | undefined;
    try {
      detail = errorMessage(JSON.parse(text));
    } catch {
      // not JSON: the text below
    }
    throw new ServiceError(detail || text.slice(0, 200) || response.statusText, response.status);
  }
}

/** The `error` of the service's JSON error body (`{ error: string }`), if it has one. */
function errorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) {
    return undefined;
  }
  const { error } = body as Record<string, unknown>;
  return typeof error === 'string' ? error : undefined;
}
