import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { NODE_ID_ANNOTATION, WORKFLOW_LABEL, workflowFinished, type ArgoWorkflow } from '../kubernetes/argoWorkflow';
import { argoScenario, terminatedStatus, type Scenario } from './argoScenario';
import { FakeArgoExecutor, type ExecuteOptions } from './fakeArgoExecutor';
import { FakeCustomResources, type FakeCustomResourcesOptions } from './fakeCustomResources';
import { mergePatch } from './mergePatch';

/**
 * A fake Kubernetes API server for tests: a real loopback HTTP server speaking the paths the
 * kubernetes backend uses (Argo Workflows create/get/list/patch/watch, pods list, pod logs) with
 * `Status` error bodies. A created workflow advances through its scenario one frame per tick, but
 * only while someone watches it (so drops and 410s happen at known points); `advance()` moves it
 * by hand. A running pod writes its log as its scenario says; `follow=true` log requests get it
 * as the real API server sends it: a chunked `text/plain` response that grows while the pod runs
 * and ends when it finishes. `pause()`, `resume()` and `until()` let a test act on what happened
 * rather than on time.
 *
 * With `execute`, a created workflow is not replayed from a scenario but run for real
 * (fakeArgoExecutor.ts): its steps run as pods of an image, and their status, pods and logs are
 * served through the same API.
 */

export interface InjectedFailure {
  method: string;
  /** Matched against the request path (without the query). */
  path: RegExp;
  code: number;
  reason?: string;
  message?: string;
  details?: Record<string, unknown>;
  /** How many requests fail (default: all). */
  times?: number;
}

export interface FakeKubernetesOptions {
  /** The frames a created workflow goes through; default: every task succeeds once. */
  scenario?: (workflow: ArgoWorkflow) => Scenario;
  /** Required bearer token (default `fake-token`); other requests get 401. */
  token?: string;
  /** false: the Argo CRDs are not installed, every argoproj.io path answers 404. */
  crdInstalled?: boolean;
  /** Serve `status.compressedNodes` instead of `status.nodes`. */
  compressNodes?: boolean;
  /** Close the n-th watch stream (1-based) after it has sent `afterEvents` events. */
  dropWatch?: { request: number; afterEvents: number; how: 'end' | 'destroy' };
  /** Answer the n-th watch request with 410 Gone, as an HTTP status or as an ERROR event. */
  goneWatch?: { request: number; as: 'http' | 'event' };
  failures?: InjectedFailure[];
  /** Stop after this many frames (a step that runs for long) until the workflow is shut down or `resume()`. */
  stallAfterFrames?: number;
  /**
   * Cut the first `follow=true` log stream of the task's pod after `afterBytes` bytes: end it,
   * break the connection (`destroy`), or break it and delete the pod (`delete-pod`: its log and
   * the pod are then gone, 404).
   */
  cutLogFollow?: { task: string; afterBytes: number; how: 'end' | 'destroy' | 'delete-pod' };
  /** Milliseconds between frames while watched (default 2). */
  tickMs?: number;
  /** Run created workflows for real instead of replaying a scenario (fakeArgoExecutor.ts). */
  execute?: ExecuteOptions;
  /** How TrainJobs, PyTorchJobs and InferenceServices live (fakeCustomResources.ts). */
  customResources?: FakeCustomResourcesOptions;
}

interface StoredWorkflow {
  object: ArgoWorkflow;
  scenario: Scenario;
  frame: number;
  /** Lines of its log each pod node has written so far, by node id. */
  written: Map<string, number>;
  /** Run by the executor (no scenario). */
  executed?: boolean;
}

/** A `follow=true` log request, as the fake answered it. */
export interface LogFollowRecord {
  pod: string;
  /** The task whose pod it is (the node's displayName without the attempt). */
  task: string;
  status: number;
  bytes: number;
  /** Who ended the stream: the fake (the pod finished, or a cut) or the client. */
  closedBy?: 'server' | 'client';
}

interface LogFollow {
  workflowKey: string;
  nodeId: string;
  res: ServerResponse;
  record: LogFollowRecord;
  cut?: FakeKubernetesOptions['cutLogFollow'];
}

interface Watcher {
  namespace: string;
  name?: string;
  res: ServerResponse;
  sent: number;
  drop?: { afterEvents: number; how: 'end' | 'destroy' };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body?: unknown;
}

const ARGO_PATH = /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/workflows(?:\/([^/]+))?$/;
const PODS_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/;
const LOG_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/;

export function statusBody(code: number, reason: string, message: string, details?: Record<string, unknown>): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** Whether a pod's labels satisfy a `k=v,...` selector (the only form the clients use). */
function matchesSelector(pod: object, selector: string | undefined): boolean {
  const labels = (pod as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {};
  return (selector ?? '')
    .split(',')
    .filter(Boolean)
    .every(term => labels[term.slice(0, term.indexOf('='))] === term.slice(term.indexOf('=') + 1));
}

/** A log's lines, each with its newline. */
const logLines = (text = ''): string[] => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
const taskOf = (displayName: string): string => displayName.replace(/\(\d+\)$/, '');

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'AlreadyExists',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid'
};

export class FakeKubernetes {
  readonly requests: RecordedRequest[] = [];
  readonly logFollows: LogFollowRecord[] = [];
  readonly workflows = new Map<string, StoredWorkflow>();
  private readonly watchers = new Set<Watcher>();
  private readonly followers = new Set<LogFollow>();
  private readonly deletedPods = new Set<string>();
  private readonly cutTasks = new Set<string>();
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  private paused = false;
  private stallAt: number;
  private readonly history: Array<{ rv: number; namespace: string; name: string; type: string; object: ArgoWorkflow }> = [];
  private resourceVersion = 1000;
  private watchRequests = 0;
  private timer?: NodeJS.Timeout;
  private server?: Server;
  readonly token: string;
  /** Runs the workflows in execute mode. */
  readonly executor?: FakeArgoExecutor;
  /** The TrainJobs, PyTorchJobs and InferenceServices, with their pods. */
  readonly customResources: FakeCustomResources;

  constructor(private readonly options: FakeKubernetesOptions = {}) {
    this.token = options.token ?? 'fake-token';
    this.stallAt = options.stallAfterFrames ?? Infinity;
    this.customResources = new FakeCustomResources(
      options.customResources ?? {},
      {
        json: (res, code, body) => this.json(res, code, body),
        fail: (res, code, reason, message, details) => this.json(res, code, statusBody(code, reason, message, details))
      },
      () => this.url
    );
    if (options.execute) {
      this.executor = new FakeArgoExecutor(options.execute, {
        changed: key => {
          this.changed(key, 'MODIFIED');
          this.feed(key);
          this.settle();
        },
        output: key => {
          this.feed(key);
          this.settle();
        }
      });
    }
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res)
        .catch(error => this.fail(res, 500, (error as Error).message))
        .finally(() => this.settle());
    });
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** A kubeconfig (YAML is a superset of JSON) for this server with a token user. */
  kubeconfig(namespace = 'default'): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'fake-user', user: { token: this.token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake-user', namespace } }],
      'current-context': 'fake'
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.executor?.stop();
    for (const w of [...this.watchers, ...this.followers]) {
      w.res.destroy();
    }
    this.server?.closeAllConnections();
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Holds every workflow where it is (frames, shutdowns, log lines) until `resume()`. */
  pause(): void {
    this.paused = true;
  }

  /** Lets the workflows go on, past `stallAfterFrames` too. */
  resume(): void {
    this.paused = false;
    this.stallAt = Infinity;
  }

  /** Settles once `check` holds: now, or after a later request or log stream end. */
  until(check: () => boolean): Promise<void> {
    return check() ? Promise.resolve() : new Promise(resolve => this.waiters.push({ check, resolve }));
  }

  private settle(): void {
    this.waiters = this.waiters.filter(w => !w.check() || (w.resolve(), false));
  }

  /**
   * Moves every unfinished workflow one frame on (a shut-down one straight to its end); its
   * running pods write a log line first when their scenario says `lines`.
   */
  advance(): void {
    if (this.paused) {
      return;
    }
    for (const [key, stored] of this.workflows) {
      const { object, scenario } = stored;
      if (workflowFinished(object) || stored.executed) {
        continue;
      }
      this.write(stored, 1);
      if (object.spec.shutdown) {
        object.status = terminatedStatus(object.status ?? {}); // killed: the logs stay as far as they got
      } else if (stored.frame < Math.min(scenario.frames.length, this.stallAt)) {
        object.status = structuredClone(scenario.frames[stored.frame++].status);
        this.write(stored, 0);
      } else {
        this.feed(key);
        continue;
      }
      this.changed(key, 'MODIFIED');
      this.feed(key);
    }
  }

  /** What each pod has written: a running one `lines` more (all at once by default), a finished one all. */
  private write(stored: StoredWorkflow, lines: number): void {
    for (const node of Object.values(stored.object.status?.nodes ?? {})) {
      const all = logLines(stored.scenario.logs[node.id]).length;
      const written = stored.written.get(node.id) ?? 0;
      if (node.type === 'Pod' && node.phase === 'Running') {
        stored.written.set(node.id, stored.scenario.logArrival === 'lines' ? Math.min(all, written + lines) : all);
      } else if (node.type === 'Pod' && (node.phase === 'Succeeded' || node.phase === 'Failed')) {
        stored.written.set(node.id, all);
      }
    }
  }

  private logText(stored: StoredWorkflow, nodeId: string): string {
    if (stored.executed) {
      return this.executor!.log(stored, nodeId);
    }
    return logLines(stored.scenario.logs[nodeId])
      .slice(0, stored.written.get(nodeId) ?? 0)
      .join('');
  }

  private changed(key: string, type: 'ADDED' | 'MODIFIED'): void {
    const stored = this.workflows.get(key)!;
    stored.object.metadata.resourceVersion = String(++this.resourceVersion);
    const event = {
      rv: this.resourceVersion,
      namespace: stored.object.metadata.namespace!,
      name: stored.object.metadata.name!,
      type,
      object: structuredClone(stored.object)
    };
    this.history.push(event);
    for (const w of this.watchers) {
      this.send(w, event);
    }
  }

  private send(w: Watcher, event: { namespace: string; name: string; type: string; object: ArgoWorkflow }): void {
    if (w.namespace !== event.namespace || (w.name && w.name !== event.name) || w.res.destroyed) {
      return;
    }
    w.res.write(JSON.stringify({ type: event.type, object: this.served(event.object) }) + '\n');
    w.sent += 1;
    if (w.drop && w.sent >= w.drop.afterEvents) {
      this.watchers.delete(w);
      if (w.drop.how === 'destroy') {
        w.res.socket?.destroy();
      } else {
        w.res.end();
      }
    }
  }

  /** The object as the API returns it: with compressed nodes when asked. */
  private served(object: ArgoWorkflow): ArgoWorkflow {
    if (!this.options.compressNodes || !object.status?.nodes) {
      return object;
    }
    const { nodes, ...status } = object.status;
    return { ...object, status: { ...status, compressedNodes: gzipSync(JSON.stringify(nodes)).toString('base64') } };
  }

  private tick(): void {
    if (!this.timer && this.watchers.size) {
      this.timer = setInterval(() => {
        if (!this.watchers.size) {
          clearInterval(this.timer);
          this.timer = undefined;
          return;
        }
        this.advance();
      }, this.options.tickMs ?? 2);
    }
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private fail(res: ServerResponse, code: number, message: string, details?: Record<string, unknown>): void {
    this.json(res, code, statusBody(code, REASONS[code] ?? 'InternalError', message, details));
  }

  private async body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const body = method === 'POST' || method === 'PATCH' ? await this.body(req) : undefined;
    this.requests.push({ method, path: url.pathname, query, headers: req.headers, body });
    if (await this.customResources.serving(req, res, url.pathname, async () => body)) {
      return;
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.fail(res, 401, 'Unauthorized');
    }
    const injected = this.options.failures?.find(f => f.method === method && f.path.test(url.pathname) && (f.times ?? 1) !== 0);
    if (injected) {
      if (injected.times !== undefined) {
        injected.times -= 1;
      }
      return this.json(
        res,
        injected.code,
        statusBody(injected.code, injected.reason ?? REASONS[injected.code] ?? 'Unknown', injected.message ?? 'injected failure', injected.details)
      );
    }
    if (this.customResources.handle(res, method, url.pathname, query, body, req.headers['content-type'])) {
      return;
    }
    let match: RegExpExecArray | null;
    if ((match = ARGO_PATH.exec(url.pathname))) {
      if (this.options.crdInstalled === false) {
        return this.fail(res, 404, 'the server could not find the requested resource');
      }
      return this.workflowRequest(req, res, method, decodeURIComponent(match[1]), match[2] && decodeURIComponent(match[2]), query, body);
    }
    if ((match = PODS_PATH.exec(url.pathname)) && method === 'GET') {
      return this.json(res, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.resourceVersion) },
        items: [...this.pods(match[1], query.labelSelector), ...this.customResources.podsOf(match[1])].filter(pod =>
          matchesSelector(pod, query.labelSelector)
        )
      });
    }
    if ((match = LOG_PATH.exec(url.pathname)) && method === 'GET') {
      return this.podLog(res, match[1], decodeURIComponent(match[2]), query);
    }
    return this.fail(res, 404, 'the server could not find the requested resource');
  }

  private workflowRequest(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    namespace: string,
    name: string | undefined,
    query: Record<string, string>,
    body: unknown
  ): void {
    const key = (n: string): string => `${namespace}/${n}`;
    if (method === 'POST' && !name) {
      const wf = structuredClone(body) as ArgoWorkflow;
      const wfName = wf.metadata?.name ?? `${wf.metadata?.generateName ?? 'wf-'}${(this.resourceVersion + 1).toString(36)}`;
      if (this.workflows.has(key(wfName))) {
        return this.fail(res, 409, `workflows.argoproj.io "${wfName}" already exists`, { name: wfName, group: 'argoproj.io', kind: 'workflows' });
      }
      wf.metadata = { ...wf.metadata, name: wfName, namespace, uid: `uid-${wfName}`, creationTimestamp: '2026-01-01T12:00:00Z' };
      wf.status = {};
      if (this.executor) {
        const stored: StoredWorkflow = { object: wf, scenario: { frames: [], logs: {} }, frame: 0, written: new Map(), executed: true };
        this.workflows.set(key(wfName), stored);
        this.changed(key(wfName), 'ADDED');
        this.json(res, 201, this.served(wf));
        this.executor.start(key(wfName), stored);
        return;
      }
      const scenario = (this.options.scenario ?? (w => argoScenario(w)))(wf);
      this.workflows.set(key(wfName), { object: wf, scenario, frame: 0, written: new Map() });
      this.changed(key(wfName), 'ADDED');
      return this.json(res, 201, this.served(wf));
    }
    if (method === 'GET' && name) {
      const stored = this.workflows.get(key(name));
      return stored
        ? this.json(res, 200, this.served(stored.object))
        : this.fail(res, 404, `workflows.argoproj.io "${name}" not found`, { name, group: 'argoproj.io', kind: 'workflows' });
    }
    if (method === 'PATCH' && name) {
      const stored = this.workflows.get(key(name));
      if (!stored) {
        return this.fail(res, 404, `workflows.argoproj.io "${name}" not found`, { name, group: 'argoproj.io', kind: 'workflows' });
      }
      if (req.headers['content-type'] !== 'application/merge-patch+json') {
        return this.fail(res, 415, `the fake only accepts merge patches, got ${req.headers['content-type']}`);
      }
      stored.object = mergePatch(stored.object, body) as ArgoWorkflow;
      this.changed(key(name), 'MODIFIED');
      if (stored.executed) {
        this.executor!.patched(stored);
      }
      return this.json(res, 200, this.served(stored.object));
    }
    if (method === 'GET' && !name) {
      const only = /^metadata\.name=(.+)$/.exec(query.fieldSelector ?? '')?.[1];
      if (query.watch === 'true' || query.watch === '1') {
        return this.watch(res, namespace, only, query.resourceVersion);
      }
      const items = [...this.workflows.values()]
        .map(s => s.object)
        .filter(o => o.metadata.namespace === namespace && (!only || o.metadata.name === only));
      return this.json(res, 200, {
        kind: 'WorkflowList',
        apiVersion: 'argoproj.io/v1alpha1',
        metadata: { resourceVersion: String(this.resourceVersion) },
        items: items.map(o => this.served(o))
      });
    }
    return this.fail(res, 405 as number, `${method} is not supported here`);
  }

  private watch(res: ServerResponse, namespace: string, name: string | undefined, fromVersion: string | undefined): void {
    const n = ++this.watchRequests;
    const gone = this.options.goneWatch?.request === n ? this.options.goneWatch.as : undefined;
    const expired = `too old resource version: ${fromVersion} (${this.resourceVersion})`;
    if (gone === 'http') {
      return this.fail(res, 410, expired);
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    if (gone === 'event') {
      res.write(JSON.stringify({ type: 'ERROR', object: statusBody(410, 'Expired', expired) }) + '\n');
      res.end();
      return;
    }
    const drop = this.options.dropWatch?.request === n ? this.options.dropWatch : undefined;
    const watcher: Watcher = { namespace, name, res, sent: 0, drop };
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
    const since = Number(fromVersion || 0);
    for (const event of this.history.filter(e => e.rv > since)) {
      this.send(watcher, event);
    }
    this.tick();
  }

  private pods(namespace: string, labelSelector: string | undefined): object[] {
    const workflowName = new RegExp(`^${WORKFLOW_LABEL.replace(/[./]/g, '\\$&')}=(.+)$`).exec(labelSelector ?? '')?.[1];
    const pods: object[] = [];
    for (const stored of this.workflows.values()) {
      const { object } = stored;
      if (object.metadata.namespace !== namespace || (workflowName && object.metadata.name !== workflowName)) {
        continue;
      }
      if (stored.executed) {
        pods.push(...this.executor!.podsOf(stored).filter(p => !this.deletedPods.has((p as { metadata: { name: string } }).metadata.name)));
        continue;
      }
      for (const node of Object.values(object.status?.nodes ?? {})) {
        const name = this.podName(object.metadata.name!, node.id, node.templateName);
        if (node.type === 'Pod' && !this.deletedPods.has(name)) {
          const finished = node.phase === 'Succeeded' || node.phase === 'Failed';
          const state = finished
            ? { terminated: { exitCode: Number(node.outputs?.exitCode ?? 1), reason: node.phase === 'Succeeded' ? 'Completed' : 'Error' } }
            : node.phase === 'Running'
              ? { running: { startedAt: node.startedAt } }
              : { waiting: { reason: 'PodInitializing' } };
          pods.push({
            metadata: { name, namespace, labels: { [WORKFLOW_LABEL]: object.metadata.name }, annotations: { [NODE_ID_ANNOTATION]: node.id } },
            status: {
              phase: finished ? node.phase : node.phase === 'Running' ? 'Running' : 'Pending',
              containerStatuses: ['wait', 'main'].map(container => ({ name: container, state }))
            }
          });
        }
      }
    }
    return pods;
  }

  /** Argo's v2 pod name: `<workflow>-<template>-<node hash>`. */
  private podName(workflow: string, nodeId: string, template = 'step'): string {
    return `${workflow}-${template}-${nodeId.slice(workflow.length + 1)}`;
  }

  /** `GET .../pods/POD/log`: what the pod has written so far; with `follow=true`, then the rest as it comes. */
  private podLog(res: ServerResponse, namespace: string, pod: string, query: Record<string, string>): void {
    const follow = query.follow === 'true';
    for (const [key, stored] of this.workflows) {
      const { object } = stored;
      const executed =
        stored.executed && object.metadata.namespace === namespace && !this.deletedPods.has(pod) ? this.executor!.podByName(stored, pod) : undefined;
      for (const node of Object.values(object.status?.nodes ?? {})) {
        if (stored.executed && node.id !== executed?.nodeId) {
          continue;
        }
        const named = stored.executed || this.podName(object.metadata.name!, node.id, node.templateName) === pod;
        if (object.metadata.namespace !== namespace || node.type !== 'Pod' || !named || this.deletedPods.has(pod)) {
          continue;
        }
        const record: LogFollowRecord = { pod, task: taskOf(node.displayName), status: 200, bytes: 0 };
        if (query.container !== 'main' || (stored.executed ? !executed!.started : node.phase === 'Pending')) {
          if (follow) {
            this.logFollows.push({ ...record, status: 400 });
          }
          const waiting = executed?.waiting === 'ErrImagePull' ? 'trying and failing to pull image' : 'PodInitializing';
          const reason =
            query.container !== 'main'
              ? `container ${query.container} is not valid for pod ${pod}`
              : `container "main" in pod "${pod}" is waiting to start: ${waiting}`;
          return this.fail(res, 400, reason);
        }
        if (!follow) {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(this.logText(stored, node.id));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
        const cut = this.options.cutLogFollow?.task === record.task && !this.cutTasks.has(record.task) ? this.options.cutLogFollow : undefined;
        if (cut) {
          this.cutTasks.add(record.task);
        }
        const follower: LogFollow = { workflowKey: key, nodeId: node.id, res, record, cut };
        this.logFollows.push(record);
        this.followers.add(follower);
        res.on('close', () => {
          this.followers.delete(follower);
          record.closedBy ??= 'client';
          this.settle();
        });
        return this.sendLog(follower);
      }
    }
    if (follow) {
      this.logFollows.push({ pod, task: '', status: 404, bytes: 0 });
    }
    this.fail(res, 404, `pods "${pod}" not found`, { name: pod, kind: 'pods' });
  }

  private feed(workflowKey: string): void {
    for (const follower of this.followers) {
      if (follower.workflowKey === workflowKey) {
        this.sendLog(follower);
      }
    }
  }

  /** Sends a follower what its pod wrote since; ends the stream when the pod is no longer running. */
  private sendLog(follower: LogFollow): void {
    const { record, res, cut } = follower;
    const stored = this.workflows.get(follower.workflowKey)!;
    let fresh = Buffer.from(this.logText(stored, follower.nodeId)).subarray(record.bytes);
    const cutNow = !!cut && record.bytes + fresh.length >= cut.afterBytes;
    if (cutNow) {
      fresh = fresh.subarray(0, cut.afterBytes - record.bytes);
    }
    record.bytes += fresh.length;
    const running = stored.object.status?.nodes?.[follower.nodeId]?.phase === 'Running';
    if (!cutNow && running) {
      res.write(fresh);
      return;
    }
    record.closedBy = 'server';
    this.followers.delete(follower);
    if (cutNow && cut.how === 'delete-pod') {
      this.deletedPods.add(record.pod);
    }
    if (cutNow && cut.how !== 'end') {
      res.write(fresh, () => res.socket?.destroy()); // once the bytes are on their way: a broken, not an empty, stream
    } else {
      res.end(fresh);
    }
  }
}
