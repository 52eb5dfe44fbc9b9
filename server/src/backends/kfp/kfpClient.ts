/**
 * A small client for the Kubeflow Pipelines REST API v2beta1 (upload, run, read, terminate), with
 * a bearer token (`Authorization`) or a session cookie (e.g. Kubeflow's `authservice_session`).
 */

import { CellpipeError, type ErrorKind } from '../../errors';
import { remoteErrorKind } from '../remoteErrorKind';

export interface KfpAuth {
  token?: string;
  cookie?: string;
}

/** The token and cookie from flags, else from KFP_TOKEN and KFP_COOKIE. */
export function kfpAuth(flags: { kfpToken?: string; kfpCookie?: string } = {}): KfpAuth {
  return { token: flags.kfpToken ?? process.env.KFP_TOKEN ?? undefined, cookie: flags.kfpCookie ?? process.env.KFP_COOKIE ?? undefined };
}

export type KfpState = 'RUNTIME_STATE_UNSPECIFIED' | 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'SKIPPED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'PAUSED';

export interface KfpTaskDetail {
  task_id?: string;
  display_name?: string;
  state?: KfpState;
  create_time?: string;
  start_time?: string;
  end_time?: string;
  error?: { code?: number; message?: string };
  child_tasks?: Array<{ task_id?: string; pod_name?: string }>;
}

export interface KfpRun {
  run_id: string;
  display_name?: string;
  state?: KfpState;
  created_at?: string;
  scheduled_at?: string;
  finished_at?: string;
  error?: { code?: number; message?: string };
  run_details?: { task_details?: KfpTaskDetail[] };
}

export interface KfpRunRequest {
  display_name: string;
  description?: string;
  experiment_id?: string;
  pipeline_version_reference?: { pipeline_id: string; pipeline_version_id: string };
  pipeline_spec?: object;
  runtime_config?: { parameters?: Record<string, unknown> };
}

/** A failed call to the KFP API in plain words; its kind follows the HTTP status (remoteErrorKind), unless given. */
export class KfpApiError extends CellpipeError {
  constructor(
    message: string,
    readonly status?: number,
    kind: ErrorKind = remoteErrorKind(status)
  ) {
    super(kind, message);
    this.name = 'KfpApiError';
  }
}

/** The message of a KFP error body (grpc-gateway `message`, older servers `error_message`). */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string; error_message?: string; error?: string };
    return parsed.message || parsed.error_message || parsed.error || body;
  } catch {
    return body.slice(0, 300);
  }
}

export class KfpClient {
  readonly host: string;

  constructor(
    host: string,
    private readonly auth: KfpAuth = {}
  ) {
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      throw new KfpApiError(
        `--kfp-host '${host}' is not a URL: give the KFP API or Kubeflow dashboard address, e.g. http://localhost:8888`,
        undefined,
        'invalid'
      );
    }
    this.host = url.href.replace(/\/+$/, '');
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      accept: 'application/json',
      ...(this.auth.token ? { authorization: `Bearer ${this.auth.token}` } : {}),
      ...(this.auth.cookie ? { cookie: this.auth.cookie } : {}),
      ...extra
    };
  }

  private async request<T>(action: string, method: string, path: string, body?: string | FormData, contentType?: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.host}/apis/v2beta1${path}`, {
        method,
        body,
        headers: this.headers(contentType ? { 'content-type': contentType } : {})
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new KfpApiError(
        `cannot ${action}: cannot reach the KFP server at ${this.host} (${cause?.code ?? cause?.message ?? (error as Error).message}); check --kfp-host`
      );
    }
    const text = await response.text();
    if (!response.ok) {
      throw this.describe(action, response.status, errorText(text));
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  private describe(action: string, status: number, detail: string): KfpApiError {
    const cannot = `cannot ${action} on the KFP server at ${this.host}`;
    switch (status) {
      case 401:
      case 403:
        return new KfpApiError(
          `${cannot}: it refused the request (${status}: ${detail}). ` +
            (this.auth.token || this.auth.cookie
              ? 'Your token or cookie was not accepted or lacks access to this namespace: get a fresh one.'
              : 'Pass a bearer token with --kfp-token (or KFP_TOKEN) or a session cookie with --kfp-cookie (or KFP_COOKIE).'),
          status
        );
      case 404:
        return new KfpApiError(`${cannot}: not found (404: ${detail}). Check that --kfp-host is the KFP API (it serves /apis/v2beta1).`, 404);
      case 400:
      case 422:
        return new KfpApiError(`${cannot}: it rejected the request (${status}: ${detail}).`, status);
      case 409:
        return new KfpApiError(`${cannot}: it conflicts with an existing object (409: ${detail}).`, 409);
      default:
        return new KfpApiError(`${cannot}: it answered ${status}: ${detail}`, status);
    }
  }

  /** Uploads a compiled pipeline file (YAML) as a new pipeline; its first version comes with it. */
  uploadPipeline(name: string, yamlText: string, description = ''): Promise<{ pipeline_id: string; display_name?: string }> {
    const form = new FormData();
    form.append('uploadfile', new Blob([yamlText], { type: 'application/x-yaml' }), `${name}.yaml`);
    const query = new URLSearchParams({ name, display_name: name, description });
    return this.request('upload the pipeline', 'POST', `/pipelines/upload?${query}`, form);
  }

  async pipelineVersions(pipelineId: string): Promise<Array<{ pipeline_version_id: string }>> {
    const list = await this.request<{ pipeline_versions?: Array<{ pipeline_version_id: string }> }>(
      'list the pipeline versions',
      'GET',
      `/pipelines/${encodeURIComponent(pipelineId)}/versions`
    );
    return list.pipeline_versions ?? [];
  }

  createRun(run: KfpRunRequest): Promise<KfpRun> {
    return this.request('create the run', 'POST', '/runs', JSON.stringify(run), 'application/json');
  }

  getRun(runId: string): Promise<KfpRun> {
    return this.request(`read run ${runId}`, 'GET', `/runs/${encodeURIComponent(runId)}`);
  }

  async terminateRun(runId: string): Promise<void> {
    await this.request(`terminate run ${runId}`, 'POST', `/runs/${encodeURIComponent(runId)}:terminate`, '{}', 'application/json');
  }
}
