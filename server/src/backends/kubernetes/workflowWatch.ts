import { setTimeout as sleep } from 'node:timers/promises';
import type { ArgoApi, WatchEventType } from './argoApi';
import { workflowFinished, type ArgoWorkflow } from './argoWorkflow';
import { describeKubernetesError, httpStatusOf, KubernetesApiError, type KubeStatus } from './kubernetesErrors';

export interface WorkflowWatchOptions {
  api: Pick<ArgoApi, 'list' | 'watch' | 'context'>;
  name: string;
  /** Called with every new version of the workflow, in order. */
  onChange: (workflow: ArgoWorkflow) => void;
  /** Consecutive failed reconnections before giving up (default 5). */
  maxFailures?: number;
  /** Pause before reconnecting after a failure or an empty stream (default 1000 ms). */
  retryDelayMs?: number;
}

export interface WorkflowWatch {
  /** Resolves with the finished workflow (or the last one seen when stopped). */
  done: Promise<ArgoWorkflow>;
  stop(): void;
}

/** Client errors other than 410 and 429 will not go away by asking again. */
function permanent(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status !== undefined && status >= 400 && status < 500 && status !== 429;
}

type StreamEnd = { kind: 'finished' } | { kind: 'closed'; events: number } | { kind: 'gone' } | { kind: 'error'; error: unknown };

/**
 * Follows one workflow until it finishes: lists it (for its state and a resourceVersion), then
 * watches from that version. A stream the server closes (idle timeouts, a dropped connection) is
 * resumed from the last resourceVersion seen; a 410 Gone (that version is too old, as an HTTP
 * status or as an ERROR event) makes it list again and watch from the new version.
 */
export function watchWorkflow(options: WorkflowWatchOptions): WorkflowWatch {
  const { api, name, onChange } = options;
  const maxFailures = options.maxFailures ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  let stopped = false;
  let controller: AbortController | undefined;
  let endStream: ((end: StreamEnd) => void) | undefined;
  let latest: ArgoWorkflow | undefined;
  let resourceVersion = '';

  const accept = (workflow: ArgoWorkflow): void => {
    latest = workflow;
    resourceVersion = workflow.metadata.resourceVersion ?? resourceVersion;
    onChange(workflow);
  };

  const relist = async (): Promise<void> => {
    const listed = await api.list(name);
    if (!listed.workflow) {
      throw new KubernetesApiError(`workflow '${name}' was deleted from namespace '${api.context('', '').namespace}' before it finished`, 404);
    }
    accept(listed.workflow);
    resourceVersion = listed.resourceVersion || resourceVersion;
  };

  const streamOnce = (): Promise<StreamEnd> =>
    new Promise<StreamEnd>(resolve => {
      let events = 0;
      let ended = false;
      const end = (result: StreamEnd): void => {
        if (!ended) {
          ended = true;
          endStream = undefined;
          controller?.abort();
          resolve(result);
        }
      };
      endStream = end;
      const onEvent = (type: WatchEventType, object: unknown): void => {
        events += 1;
        if (type === 'ERROR') {
          const status = object as KubeStatus;
          end(status?.code === 410 ? { kind: 'gone' } : { kind: 'error', error: { code: status?.code, body: status } });
        } else if (type === 'DELETED') {
          end({ kind: 'error', error: new KubernetesApiError(`workflow '${name}' was deleted before it finished`, 404) });
        } else if (type === 'BOOKMARK') {
          resourceVersion = (object as ArgoWorkflow)?.metadata?.resourceVersion ?? resourceVersion;
        } else if (!ended) {
          accept(object as ArgoWorkflow);
          if (workflowFinished(object as ArgoWorkflow)) {
            end({ kind: 'finished' });
          }
        }
      };
      const onDone = (error: unknown): void => {
        if (!error) {
          end({ kind: 'closed', events });
        } else {
          end(httpStatusOf(error) === 410 ? { kind: 'gone' } : { kind: 'error', error });
        }
      };
      api.watch(name, resourceVersion, onEvent, onDone).then(
        c => {
          controller = c;
          if (ended) {
            c.abort();
          }
        },
        error => end({ kind: 'error', error })
      );
    });

  const run = async (): Promise<ArgoWorkflow> => {
    await relist();
    let failures = 0;
    while (!stopped && !workflowFinished(latest!)) {
      const end = await streamOnce();
      if (end.kind === 'gone') {
        await relist();
      } else if (end.kind === 'error') {
        if (end.error instanceof KubernetesApiError || permanent(end.error) || ++failures > maxFailures) {
          throw describeKubernetesError(end.error, api.context(`watch workflow '${name}'`, 'watch workflows.argoproj.io'));
        }
        await sleep(retryDelayMs);
      } else if (end.kind === 'closed') {
        failures = end.events ? 0 : failures;
        if (!end.events) {
          await sleep(Math.min(retryDelayMs, 100)); // a stream closed at once: do not spin
        }
      }
    }
    return latest!;
  };

  return {
    done: run(),
    stop(): void {
      stopped = true;
      endStream?.({ kind: 'finished' });
    }
  };
}
