import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, Watch, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { ARGO_GROUP, ARGO_VERSION, WORKFLOW_LABEL, WORKFLOW_PLURAL, type ArgoWorkflow } from './argoWorkflow';
import { describeKubernetesError, type ErrorContext } from './kubernetesErrors';
import { kubeServer } from './kubeConfig';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * The calls the kubernetes backend makes, through `@kubernetes/client-node`, for Workflows and
 * their pods in one namespace. Every failure becomes a `KubernetesApiError` in plain words.
 */
export class ArgoApi {
  private readonly objects: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly server: string;
  private readonly resource = { group: ARGO_GROUP, version: ARGO_VERSION, plural: WORKFLOW_PLURAL };

  constructor(
    private readonly kc: KubeConfig,
    readonly namespace: string
  ) {
    this.objects = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.server = kubeServer(kc);
  }

  private async call<T>(action: string, permission: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw describeKubernetesError(error, this.context(action, permission));
    }
  }

  context(action: string, permission: string): ErrorContext {
    return { action, permission, namespace: this.namespace, server: this.server };
  }

  create(workflow: ArgoWorkflow): Promise<ArgoWorkflow> {
    return this.call('create the workflow', 'create workflows.argoproj.io', () =>
      this.objects.createNamespacedCustomObject({ ...this.resource, namespace: this.namespace, body: workflow })
    );
  }

  get(name: string): Promise<ArgoWorkflow> {
    return this.call(`read workflow '${name}'`, 'get workflows.argoproj.io', () =>
      this.objects.getNamespacedCustomObject({ ...this.resource, namespace: this.namespace, name })
    );
  }

  /** The workflow and the list's resourceVersion, the point to watch from after a 410. */
  async list(name: string): Promise<{ workflow: ArgoWorkflow | undefined; resourceVersion: string }> {
    const list = (await this.call(`list workflow '${name}'`, 'list workflows.argoproj.io', () =>
      this.objects.listNamespacedCustomObject({ ...this.resource, namespace: this.namespace, fieldSelector: `metadata.name=${name}` })
    )) as { items?: ArgoWorkflow[]; metadata?: { resourceVersion?: string } };
    return { workflow: list.items?.[0], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  /** Asks Argo to stop the workflow: `Terminate` kills running pods, `Stop` lets them finish (exit handlers run). */
  shutdown(name: string, mode: 'Terminate' | 'Stop' = 'Terminate'): Promise<ArgoWorkflow> {
    return this.call(`cancel workflow '${name}'`, 'patch workflows.argoproj.io', () =>
      this.objects.patchNamespacedCustomObject(
        { ...this.resource, namespace: this.namespace, name, body: { spec: { shutdown: mode } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
      )
    );
  }

  /**
   * Streams changes of one workflow from `resourceVersion`. `done` gets null when the server closed
   * the stream (re-watch from the last version seen) or the error (`statusCode` 410: re-list).
   */
  watch(
    name: string,
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: unknown) => void,
    done: (error: unknown) => void
  ): Promise<AbortController> {
    const path = `/apis/${ARGO_GROUP}/${ARGO_VERSION}/namespaces/${encodeURIComponent(this.namespace)}/${WORKFLOW_PLURAL}`;
    const query = { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: true };
    return new Watch(this.kc).watch(path, query, (type, object) => onEvent(type as WatchEventType, object), done);
  }

  listPods(workflowName: string): Promise<V1Pod[]> {
    return this.call(`list the pods of workflow '${workflowName}'`, 'list pods', async () => {
      const list = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `${WORKFLOW_LABEL}=${workflowName}` });
      return list.items;
    });
  }

  readLog(pod: string, container = 'main'): Promise<string> {
    return this.call(`read the log of pod '${pod}'`, 'get pods/log', () =>
      this.core.readNamespacedPodLog({ namespace: this.namespace, name: pod, container })
    );
  }

  /**
   * Streams the `main` container's log from its start as the container writes it
   * (`GET /api/v1/namespaces/NS/pods/POD/log?container=main&follow=true`, chunked `text/plain`),
   * handing each chunk to `onChunk`. Resolves when the server ends the stream (the container
   * exited, or the API server closed it), rejects with the HTTP status (400: not started, 404: no
   * such pod) or when the stream breaks, and stops when `signal` aborts.
   *
   * Not `Log` of @kubernetes/client-node 1.4: it pipes the body into the given stream, which a
   * connection broken mid-way leaves neither ended nor errored (a cut stream looks like a quiet
   * container, never retried); it cannot be aborted before the response, and its errors lose the
   * server's `Status` message.
   */
  async followLog(pod: string, onChunk: (chunk: Buffer) => void, signal: AbortSignal): Promise<void> {
    const url = new URL(`${this.server}/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(pod)}/log`);
    url.searchParams.set('container', 'main');
    url.searchParams.set('follow', 'true');
    const options: RequestOptions = {};
    // What the generated client and Watch apply too: token or exec plugin, client certificate, CA, proxy agent.
    await this.kc.applyToHTTPSOptions(options);
    return this.call(
      `follow the log of pod '${pod}'`,
      'get pods/log',
      () =>
        new Promise<void>((resolve, reject) => {
          const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
            url,
            { ...options, method: 'GET', signal },
            (response: IncomingMessage) => {
              response.on('error', reject);
              // After 'end' this changes nothing; without it the connection was lost before the last chunk.
              response.on('close', () => reject(new Error('the log stream was cut')));
              if (response.statusCode !== 200) {
                let body = '';
                response.setEncoding('utf8');
                response.on('data', (text: string) => (body += text));
                response.on('end', () => reject({ code: response.statusCode, body }));
                return;
              }
              response.on('data', (chunk: Buffer) => {
                try {
                  onChunk(chunk);
                } catch (error) {
                  request.destroy();
                  reject(error);
                }
              });
              response.on('end', () => resolve());
            }
          );
          request.on('error', reject);
          request.end();
        })
    );
  }
}
