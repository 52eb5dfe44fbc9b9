import type { ErrorKind } from '../errors';

/**
 * The error kind of a failed call to a remote API a run needs (Kubernetes, Kubeflow Pipelines), from
 * the HTTP status it answered, or none when it could not be reached: out of reach, refusing our
 * credentials or failing itself is 'unavailable' (the service answers 502, not 500), what it says
 * is missing, conflicting or malformed keeps that meaning.
 */
export function remoteErrorKind(status: number | undefined): ErrorKind {
  switch (status) {
    case 400:
    case 422:
      return 'invalid';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    default:
      return 'unavailable';
  }
}
