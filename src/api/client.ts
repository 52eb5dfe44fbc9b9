import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** What the service's /api/health returns. */
export interface HealthReport {
  status: 'ok';
  version: string;
  pid: number;
  node: string;
  uptimeSeconds: number;
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
 * and XSRF header through ServerConnection.
 */
export class CellpipeClient {
  constructor(private readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  health(): Promise<HealthReport> {
    return this.request<HealthReport>('api/health');
  }

  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const url = URLExt.join(this.settings.baseUrl, 'cellpipe', path);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this.settings);
    } catch (error) {
      throw new ServiceError(`cannot reach the cellpipe service: ${String(error)}`, 0);
    }
    const text = await response.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const detail = body?.error ?? (text.slice(0, 200) || response.statusText);
      throw new ServiceError(`cellpipe service answered ${response.status}: ${detail}`, response.status);
    }
    return body as T;
  }
}
