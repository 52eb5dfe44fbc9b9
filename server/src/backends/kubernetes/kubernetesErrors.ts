/**
 * Turns Kubernetes API failures into messages that say what went wrong and what to do. Errors of
 * the generated client are `ApiException`s (`code`, `body`: the `Status` object, raw JSON text or
 * parsed); watch failures carry `statusCode`; network failures carry a `code` such as ECONNREFUSED.
 */

import { CellpipeError } from '../../errors';
import { remoteErrorKind } from '../remoteErrorKind';

export interface KubeStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; group?: string };
}

/** A failed Kubernetes API call in plain words; its kind follows the HTTP status (remoteErrorKind). */
export class KubernetesApiError extends CellpipeError {
  constructor(
    message: string,
    readonly status?: number
  ) {
    super(remoteErrorKind(status), message);
    this.name = 'KubernetesApiError';
  }
}

/** HTTP status of a failed client call, if it got that far. */
export function httpStatusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'number') {
    return e.code;
  }
  return typeof e?.statusCode === 'number' ? e.statusCode : undefined;
}

/** The `Status` object a failed call returned, if any. */
export function kubeStatusOf(error: unknown): KubeStatus | undefined {
  const body = (error as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as KubeStatus;
    } catch {
      return body ? { message: body } : undefined;
    }
  }
  return body && typeof body === 'object' ? (body as KubeStatus) : undefined;
}

export interface ErrorContext {
  /** What cellpipe was doing, as a verb phrase: "create the workflow". */
  action: string;
  /** The API verb and resource for RBAC advice: "create workflows.argoproj.io". */
  permission: string;
  namespace: string;
  server: string;
}

/** A plain-words error for a failed Kubernetes API call; the HTTP status stays on `.status`. */
export function describeKubernetesError(error: unknown, ctx: ErrorContext): KubernetesApiError {
  if (error instanceof KubernetesApiError) {
    return error;
  }
  const status = httpStatusOf(error);
  const body = kubeStatusOf(error);
  const detail = body?.message ? `: ${body.message}` : '';
  const cannot = `cannot ${ctx.action} in namespace '${ctx.namespace}'`;
  switch (status) {
    case undefined: {
      const reason = (error as Error)?.message ?? String(error);
      return new KubernetesApiError(
        `cannot reach the Kubernetes API server at ${ctx.server} (${reason}): check that the cluster is running and that ` +
          'KUBECONFIG (or ~/.kube/config) points at it'
      );
    }
    case 401:
      return new KubernetesApiError(
        `${cannot}: the API server at ${ctx.server} did not accept your credentials (401 Unauthorized${detail}). ` +
          'Log in again or refresh the token of the current context in your kubeconfig.',
        401
      );
    case 403:
      return new KubernetesApiError(
        `${cannot}: you are not allowed to ${ctx.permission} there (403 Forbidden${detail}). ` +
          'Ask a cluster administrator for a Role granting it (see the RBAC in server/src/backends/kubernetes/README.md), ' +
          'or choose a namespace you may use with --namespace.',
        403
      );
    case 404:
      if (body?.details?.kind === 'namespaces') {
        return new KubernetesApiError(
          `${cannot}: namespace '${ctx.namespace}' does not exist (404). Create it or choose another with --namespace.`,
          404
        );
      }
      if (body?.details?.name) {
        return new KubernetesApiError(`${cannot}: ${body.details.kind ?? 'object'} '${body.details.name}' does not exist (404${detail}).`, 404);
      }
      return new KubernetesApiError(
        `${cannot}: this cluster does not know Argo Workflows (404: no resource workflows.argoproj.io/v1alpha1). ` +
          'Install Argo Workflows in the cluster (https://argo-workflows.readthedocs.io/en/latest/quick-start/) ' +
          'or point KUBECONFIG at a cluster that has it.',
        404
      );
    case 409:
      return new KubernetesApiError(
        `${cannot}: an object with the same name already exists (409 Conflict${detail}). Run again to get a new run id.`,
        409
      );
    case 422:
      return new KubernetesApiError(
        `${cannot}: the cluster rejected the compiled workflow as invalid (422 Unprocessable Entity${detail}). ` +
          'Check the step settings named in the message (image, limits, labels); if they look right, this is a cellpipe bug: ' +
          'report it with the output of `cellpipe compile NOTEBOOK --target argo`.',
        422
      );
    default:
      return new KubernetesApiError(`${cannot}: the API server at ${ctx.server} answered ${status}${detail}.`, status);
  }
}
