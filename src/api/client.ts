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
  type StartRunBody
} from '../core/run/api';
import type { RunEvent, RunState } from '../core/run/types';

/** Callbacks of a run's event stream. */
export interface RunStreamHandlers {
  /** The run's state when the stream (re)connects. */
  state(state: RunState): void;
  event(event: RunEvent): void;
}

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

  stepLog(runId: string, stepId: string): Promise<string> {
    return this.request<string>(`api/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}/log`, {}, 'text');
  }

  stepOutputs(runId: string, stepId: string): Promise<OutputSummary[]> {
    return this.request<OutputSummary[]>(`api/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}/outputs`);
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
    for (const type of ['run', 'step', 'log']) {
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
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(this.url(path), init, this.settings);
    } catch (error) {
      throw new ServiceError(`cannot reach the cellpipe service: ${String(error)}`, 0);
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text && as === 'json' ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      let detail = errorMessage(body);
      if (!detail) {
        try {
          detail = errorMessage(JSON.parse(text));
        } catch {
          // not JSON: the text below
        }
      }
      throw new ServiceError(detail || text.slice(0, 200) || response.statusText, response.status);
    }
    return (as === 'text' ? text : body) as T;
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
