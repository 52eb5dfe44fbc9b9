/**
 * The one error type the application layer and the backends raise for anything a user can act on.
 * Its `kind` says what went wrong, not how to report it: the CLI maps kinds to exit codes
 * (cli/exitCodes.ts), the service to HTTP statuses (service/httpError.ts).
 */
export type ErrorKind =
  /** A request or argument that cannot be right: a bad flag, a malformed value, a path outside the root. */
  | 'invalid'
  /** A path the user may not reach (outside the Jupyter root, through a symbolic link). */
  | 'forbidden'
  /** A notebook, run or step that does not exist. */
  | 'not-found'
  /** The notebook cannot become a pipeline (error diagnostics) or cannot run as one here. */
  | 'notebook'
  /** The run is in a state that does not allow it (retry of a running run, cancel of a finished one). */
  | 'conflict'
  /** The backend cannot do this at all (retry of an Argo run). */
  | 'unsupported'
  /** A cluster or server the run needs is out of reach or refused us. */
  | 'unavailable'
  /** cellpipe produced something invalid: a bug to report. */
  | 'bug';

export class CellpipeError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string
  ) {
    super(message);
  }
}
