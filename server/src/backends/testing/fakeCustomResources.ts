/**
 * The custom resources of distributed and served steps on the fake Kubernetes API server
 * (fakeKubernetes.ts): TrainJob (trainer.kubeflow.org/v1alpha1), PyTorchJob (kubeflow.org/v1) and
 * InferenceService (serving.kserve.io/v1beta1) created, read, merge-patched and deleted, each
 * checked on the way in against its CRD's schema (src/core/compile/cluster/crds/) as the API server
 * does: an unknown field is a 400 (strict field validation; the fake refuses it whatever
 * `fieldValidation` says), any other violation or a name against the CEL rule a 422. Each object
 * lives a scripted life (customResourceScenarios.ts): every read moves it one frame on. A job gets
 * its rank 0 pod (labelled as JobSet or the Training Operator label it), whose log the frames
 * write, followed as the real API server streams it. A Ready InferenceService's address is the
 * fake's `/serving/NS/NAME` route, which answers v1 `:predict` with `predict`'s answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { customResourceProblems } from '../../../../src/core/compile/cluster/customResourceCheck';
// Imported, not read from a path beside this file: bundled (server/build.mjs: the benchmarks) this
// module's folder is not the source's.
import inferenceServiceSchema from '../../../../src/core/compile/cluster/crds/inferenceservice.json';
import pyTorchJobSchema from '../../../../src/core/compile/cluster/crds/pytorchjob.json';
import trainJobSchema from '../../../../src/core/compile/cluster/crds/trainjob.json';
import { completeJob, readyService, type Frame } from './customResourceScenarios';
import { mergePatch } from './mergePatch';

interface Kind {
  kind: string;
  group: string;
  version: string;
  schema: Record<string, unknown>;
}

const KINDS: Record<string, Kind> = {};
for (const [plural, kind, group, version, schema] of [
  ['trainjobs', 'TrainJob', 'trainer.kubeflow.org', 'v1alpha1', trainJobSchema],
  ['pytorchjobs', 'PyTorchJob', 'kubeflow.org', 'v1', pyTorchJobSchema],
  ['inferenceservices', 'InferenceService', 'serving.kserve.io', 'v1beta1', inferenceServiceSchema]
] as const) {
  KINDS[plural] = { kind, group, version, schema: schema as Record<string, unknown> };
}

const RESOURCE_PATH = /^\/apis\/([^/]+)\/([^/]+)\/namespaces\/([^/]+)\/(trainjobs|pytorchjobs|inferenceservices)(?:\/([^/]+))?$/;
const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/;
const SERVING_PATH = /^\/serving\/([^/]+)\/([^/]+)\/v1\/models\/([^/:]+):predict$/;

export interface FakeCustomResourcesOptions {
  /** The life of a created object (default: a job completes, a service becomes Ready). */
  script?: (object: CustomObject) => Frame[];
  /** A Ready InferenceService's answer to `:predict` (its `predictions`); default: one 0 per instance. */
  predict?: (name: string, instances: unknown[]) => unknown[];
}

export type CustomObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; ownerReferences?: unknown[]; [key: string]: unknown };
  spec: Record<string, unknown>;
  status?: { conditions?: Array<{ type: string; status: string }>; [key: string]: unknown };
};

export interface FakePod {
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string> };
  spec: { containers: Array<{ name: string; volumeMounts?: Array<{ name: string; mountPath: string }> }>; volumes?: unknown[] };
  status: { phase: string };
}

interface Stored {
  object: CustomObject;
  frames: Frame[];
  frame: number;
  rankZero?: { pod: FakePod; log: string; followers: Set<{ res: ServerResponse; sent: number }> };
}

/** How the server answers: fakeKubernetes.ts's JSON and Status bodies. */
export interface Reply {
  json(res: ServerResponse, code: number, body: unknown): void;
  fail(res: ServerResponse, code: number, reason: string, message: string, details?: Record<string, unknown>): void;
}

const RANK_ZERO_LABELS: Record<string, (name: string) => Record<string, string>> = {
  TrainJob: name => ({
    'jobset.sigs.k8s.io/jobset-name': name,
    'jobset.sigs.k8s.io/replicatedjob-name': 'node',
    'jobset.sigs.k8s.io/job-index': '0',
    'batch.kubernetes.io/job-completion-index': '0'
  }),
  PyTorchJob: name => ({
    'training.kubeflow.org/job-name': name,
    'training.kubeflow.org/replica-type': 'master',
    'training.kubeflow.org/replica-index': '0'
  })
};
const RANK_ZERO_CONTAINER: Record<string, string> = { TrainJob: 'node', PyTorchJob: 'pytorch' };

export class FakeCustomResources {
  readonly objects = new Map<string, Stored>();
  /** Pods by `namespace/name`: those a test adds (a launcher's own) and the jobs' rank 0 pods. */
  readonly pods = new Map<string, FakePod>();
  /** Every `:predict` request a served model got. */
  readonly predictions: Array<{ name: string; instances: unknown[] }> = [];
  private uids = 0;

  constructor(
    private readonly options: FakeCustomResourcesOptions,
    private readonly reply: Reply,
    private readonly baseUrl: () => string
  ) {}

  /** A pod the API serves (e.g. the launcher's own, which it reads to own its job and find its claims). */
  addPod(pod: FakePod): void {
    this.pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
  }

  /** The object of a kind by name, as stored. */
  get(kind: string, namespace: string, name: string): CustomObject | undefined {
    return [...this.objects.values()].find(
      s => s.object.kind === kind && s.object.metadata.namespace === namespace && s.object.metadata.name === name
    )?.object;
  }

  /** The pods of a namespace (the API server filters them by the request's selector). */
  podsOf(namespace: string): FakePod[] {
    return [...this.pods.values()].filter(p => p.metadata.namespace === namespace);
  }

  /** A served model's route: no token (in-cluster traffic to the predictor). True when it answered. */
  async serving(req: IncomingMessage, res: ServerResponse, path: string, body: () => Promise<unknown>): Promise<boolean> {
    const match = SERVING_PATH.exec(path);
    if (!match) {
      return false;
    }
    const [, namespace, service, model] = match;
    const stored = this.get('InferenceService', namespace, service);
    if (!stored || !(stored.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')) {
      this.reply.json(res, 503, { error: 'no healthy upstream' });
      return true;
    }
    const request = (await body()) as { instances?: unknown[] } | undefined;
    if (req.method !== 'POST' || model !== service || !Array.isArray(request?.instances)) {
      this.reply.json(res, 400, { error: `expected POST /v1/models/${service}:predict with {"instances": [...]}` });
      return true;
    }
    this.predictions.push({ name: model, instances: request.instances });
    this.reply.json(res, 200, { predictions: (this.options.predict ?? ((_, rows) => rows.map(() => 0)))(model, request.instances) });
    return true;
  }

  /** Answers the request when it is one of these resources' or pods'; false: not ours. */
  handle(res: ServerResponse, method: string, path: string, query: Record<string, string>, body: unknown, contentType: string | undefined): boolean {
    let match: RegExpExecArray | null;
    if ((match = RESOURCE_PATH.exec(path))) {
      const [, group, version, namespace, plural, name] = match;
      const kind = KINDS[plural];
      if (kind.group !== group || kind.version !== version) {
        return false;
      }
      this.resource(res, kind, method, namespace, name && decodeURIComponent(name), body, contentType);
      return true;
    }
    if ((match = POD_PATH.exec(path)) && method === 'GET') {
      const pod = this.pods.get(`${match[1]}/${decodeURIComponent(match[2])}`);
      if (!pod) {
        return false;
      }
      this.reply.json(res, 200, pod);
      return true;
    }
    const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(path);
    const owner =
      log && [...this.objects.values()].find(s => s.rankZero?.pod.metadata.namespace === log[1] && s.rankZero.pod.metadata.name === log[2]);
    if (owner && method === 'GET') {
      this.podLog(res, owner, query);
      return true;
    }
    return false;
  }

  private resource(
    res: ServerResponse,
    kind: Kind,
    method: string,
    namespace: string,
    name: string | undefined,
    body: unknown,
    contentType?: string
  ): void {
    const key = (n: string): string => `${kind.kind}/${namespace}/${n}`;
    const what = `${kind.kind.toLowerCase()}s.${kind.group}`;
    const notFound = (): void => this.reply.fail(res, 404, 'NotFound', `${what} "${name}" not found`, { name, group: kind.group, kind: what });
    if (method === 'POST' && !name) {
      const object = structuredClone(body) as CustomObject;
      if (!this.admitted(res, kind, object, namespace)) {
        return;
      }
      const objectName = object.metadata.name;
      if (this.objects.has(key(objectName))) {
        return this.reply.fail(res, 409, 'AlreadyExists', `${what} "${objectName}" already exists`, {
          name: objectName,
          group: kind.group,
          kind: what
        });
      }
      object.metadata = { ...object.metadata, namespace, uid: `uid-${++this.uids}`, generation: 1, creationTimestamp: '2026-01-01T12:00:00Z' };
      const stored: Stored = { object, frames: (this.options.script ?? defaultScript)(object), frame: 0 };
      const labels = RANK_ZERO_LABELS[kind.kind]?.(objectName);
      if (labels) {
        const pod: FakePod = {
          metadata: { name: `${objectName}-rank-0`, namespace, uid: `uid-${++this.uids}`, labels },
          spec: { containers: [{ name: RANK_ZERO_CONTAINER[kind.kind] }] },
          status: { phase: 'Pending' }
        };
        stored.rankZero = { pod, log: '', followers: new Set() };
        this.addPod(pod);
      }
      this.objects.set(key(objectName), stored);
      return this.reply.json(res, 201, object);
    }
    const stored = name ? this.objects.get(key(name)) : undefined;
    if (!stored) {
      return notFound();
    }
    if (method === 'GET') {
      this.advance(stored);
      return this.reply.json(res, 200, stored.object);
    }
    if (method === 'PATCH') {
      if (contentType !== 'application/merge-patch+json') {
        return this.reply.fail(res, 415, 'UnsupportedMediaType', `the fake only accepts merge patches, got ${contentType}`);
      }
      const { status, ...object } = mergePatch(stored.object, body) as CustomObject;
      if (!this.admitted(res, kind, object as CustomObject, namespace)) {
        return;
      }
      // A changed spec starts the object's life again (KServe rolls out a new revision).
      const generation = Number(stored.object.metadata.generation) + 1;
      stored.object = { ...(object as CustomObject), metadata: { ...object.metadata, generation }, status };
      stored.frames = (this.options.script ?? defaultScript)(stored.object);
      stored.frame = 0;
      return this.reply.json(res, 200, stored.object);
    }
    if (method === 'DELETE') {
      this.objects.delete(key(name!));
      if (stored.rankZero) {
        this.pods.delete(`${namespace}/${stored.rankZero.pod.metadata.name}`);
        stored.rankZero.followers.forEach(f => f.res.end());
      }
      return this.reply.json(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, group: kind.group, kind: what } });
    }
    this.reply.fail(res, 405, 'MethodNotAllowed', `${method} is not supported on ${what}`);
  }

  /** The API server's checks of an object coming in; false when it refused it (and answered). */
  private admitted(res: ServerResponse, kind: Kind, object: CustomObject, namespace: string): boolean {
    if (object?.apiVersion !== `${kind.group}/${kind.version}`) {
      this.reply.fail(
        res,
        400,
        'BadRequest',
        `the API version in the data (${String(object?.apiVersion)}) does not match the expected API version (${kind.group}/${kind.version})`
      );
      return false;
    }
    if (object.metadata?.namespace && object.metadata.namespace !== namespace) {
      this.reply.fail(res, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      return false;
    }
    const { status: _status, ...incoming } = object;
    const problems = customResourceProblems(kind.kind, incoming, kind.schema);
    const name = object.metadata?.name;
    const unknown = problems.filter(p => p.kind === 'unknown-field');
    if (unknown.length) {
      this.reply.fail(
        res,
        400,
        'BadRequest',
        `${kind.kind} in version "${kind.version}" cannot be handled as a ${kind.kind}: strict decoding error: ${unknown.map(p => p.message).join(', ')}`
      );
      return false;
    }
    if (problems.length) {
      const what = `${kind.kind}.${kind.group}`;
      this.reply.fail(res, 422, 'Invalid', `${what} "${String(name)}" is invalid: ${problems.map(p => p.message).join(', ')}`, {
        name,
        group: kind.group,
        kind: kind.kind,
        causes: problems.map(p => ({ reason: 'FieldValueInvalid', message: p.message }))
      });
      return false;
    }
    return true;
  }

  /** One frame on: the object's conditions, its rank 0 pod's phase and log, a Ready service's address. */
  private advance(stored: Stored): void {
    const frame = stored.frames[Math.min(stored.frame, stored.frames.length - 1)];
    stored.frame += 1;
    if (!frame) {
      return;
    }
    const { namespace, name } = stored.object.metadata;
    stored.object.status = {
      ...stored.object.status,
      conditions: frame.conditions.map(c => ({ ...c, lastTransitionTime: '2026-01-01T12:00:00Z' })),
      ...(frame.ready ? { url: `http://${name}.${namespace}.example.com`, address: { url: `${this.baseUrl()}/serving/${namespace}/${name}` } } : {})
    };
    const rankZero = stored.rankZero;
    if (rankZero && frame.rankZero) {
      rankZero.pod.status.phase = frame.rankZero.phase;
      rankZero.log = frame.rankZero.log ?? rankZero.log;
      rankZero.followers.forEach(f => this.sendLog(rankZero, f));
    }
  }

  private podLog(res: ServerResponse, stored: Stored, query: Record<string, string>): void {
    const rankZero = stored.rankZero!;
    const container = rankZero.pod.spec.containers[0].name;
    if (query.container && query.container !== container) {
      return this.reply.fail(res, 400, 'BadRequest', `container ${query.container} is not valid for pod ${rankZero.pod.metadata.name}`);
    }
    if (rankZero.pod.status.phase === 'Pending') {
      return this.reply.fail(
        res,
        400,
        'BadRequest',
        `container "${container}" in pod "${rankZero.pod.metadata.name}" is waiting to start: ContainerCreating`
      );
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', ...(query.follow === 'true' ? { 'Transfer-Encoding': 'chunked' } : {}) });
    if (query.follow !== 'true') {
      res.end(rankZero.log);
      return;
    }
    const follower = { res, sent: 0 };
    rankZero.followers.add(follower);
    res.on('close', () => rankZero.followers.delete(follower));
    this.sendLog(rankZero, follower);
  }

  /** What the pod logged since; the stream ends once the pod has finished. */
  private sendLog(rankZero: NonNullable<Stored['rankZero']>, follower: { res: ServerResponse; sent: number }): void {
    const fresh = rankZero.log.slice(follower.sent);
    follower.sent = rankZero.log.length;
    if (rankZero.pod.status.phase === 'Running') {
      follower.res.write(fresh);
    } else {
      rankZero.followers.delete(follower);
      follower.res.end(fresh);
    }
  }
}

function defaultScript(object: CustomObject): Frame[] {
  return object.kind === 'InferenceService' ? readyService() : completeJob(object.kind, '');
}
