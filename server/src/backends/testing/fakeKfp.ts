import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAllDocuments } from 'yaml';
import type { KfpRun, KfpState, KfpTaskDetail } from '../kfp/kfpClient';

/**
 * A fake Kubeflow Pipelines API server (REST v2beta1) for tests: pipeline upload (multipart
 * `uploadfile`), versions, runs (create, get, `:terminate`). Each GET of a run moves it one frame
 * on: the tasks of `root.dag.tasks`, in order, go RUNNING then SUCCEEDED or FAILED (the ones after
 * a failure never start); a run being terminated goes CANCELING then CANCELED. As on the real
 * server (KFP 2.0 to 2.17), task details carry states and times but no `inputs` or `outputs`: the
 * API server builds them from the Argo nodes without the tasks' parameters or artifacts.
 */

export interface FakeKfpOptions {
  /** Required bearer token, or cookie; other requests get 401. */
  token?: string;
  cookie?: string;
  /** Tasks that fail. */
  failing?: string[];
}

interface StoredRun {
  run: KfpRun;
  frames: KfpRun[];
  frame: number;
  terminating: boolean;
}

export class FakeKfp {
  readonly requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }> = [];
  readonly pipelines = new Map<string, { yaml: string; spec: Record<string, unknown>; platform?: unknown; versionId: string; name: string }>();
  readonly runs = new Map<string, StoredRun>();
  private server?: Server;
  private ids = 0;

  constructor(private readonly options: FakeKfpOptions = {}) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res).catch(e => this.error(res, 500, (e as Error).message)));
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  /** grpc-gateway's error body. */
  private error(res: ServerResponse, code: number, message: string): void {
    this.json(res, code, { error_message: message, code: code === 404 ? 5 : code === 401 ? 16 : 3, message, details: [] });
  }

  private authorised(req: IncomingMessage): boolean {
    const { token, cookie } = this.options;
    if (!token && !cookie) {
      return true;
    }
    return (!!token && req.headers.authorization === `Bearer ${token}`) || (!!cookie && (req.headers.cookie ?? '').split(/;\s*/).includes(cookie));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, headers: req.headers, body });
    if (!this.authorised(req)) {
      return this.error(res, 401, 'Unauthorized: missing or invalid credentials');
    }
    const path = url.pathname.replace(/^\/apis\/v2beta1/, '');
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/pipelines/upload') {
      return this.upload(res, req, body, url.searchParams.get('name') ?? 'pipeline');
    }
    if (method === 'GET' && (m = /^\/pipelines\/([^/]+)\/versions$/.exec(path))) {
      const p = this.pipelines.get(m[1]);
      return p
        ? this.json(res, 200, { pipeline_versions: [{ pipeline_id: m[1], pipeline_version_id: p.versionId, display_name: p.name }], total_size: 1 })
        : this.error(res, 404, `pipeline ${m[1]} not found`);
    }
    if (method === 'POST' && path === '/runs') {
      return this.createRun(res, JSON.parse(body) as Record<string, unknown>);
    }
    if ((m = /^\/runs\/([^/:]+)(:terminate)?$/.exec(path))) {
      const stored = this.runs.get(m[1]);
      if (!stored) {
        return this.error(res, 404, `run ${m[1]} not found`);
      }
      if (method === 'POST' && m[2]) {
        stored.terminating = true;
        return this.json(res, 200, {});
      }
      if (method === 'GET' && !m[2]) {
        this.advance(stored);
        return this.json(res, 200, stored.run);
      }
    }
    return this.error(res, 404, `no route for ${method} ${url.pathname}`);
  }

  private upload(res: ServerResponse, req: IncomingMessage, body: string, name: string): void {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers['content-type'] ?? '');
    const part = boundary && body.split(`--${boundary[1] ?? boundary[2]}`).find(p => /name="uploadfile"/.test(p));
    if (!part) {
      return this.error(res, 400, 'Failed to read pipeline from file: missing multipart field uploadfile');
    }
    const yamlText = part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
    const docs = parseAllDocuments(yamlText).map(d => d.toJSON() as Record<string, unknown>);
    if (docs[0]?.schemaVersion !== '2.1.0') {
      return this.error(res, 400, `Failed to create a pipeline: unsupported schemaVersion ${String(docs[0]?.schemaVersion)}`);
    }
    if ([...this.pipelines.values()].some(p => p.name === name)) {
      return this.error(res, 409, `Failed to create a pipeline: a pipeline named ${name} already exists`);
    }
    const id = `pipeline-${++this.ids}`;
    this.pipelines.set(id, { yaml: yamlText, spec: docs[0], platform: docs[1], versionId: `version-${this.ids}`, name });
    this.json(res, 200, { pipeline_id: id, display_name: name, created_at: '2026-01-01T12:00:00Z' });
  }

  private createRun(res: ServerResponse, request: Record<string, unknown>): void {
    const ref = request.pipeline_version_reference as { pipeline_id?: string; pipeline_version_id?: string } | undefined;
    const pipeline = ref?.pipeline_id ? this.pipelines.get(ref.pipeline_id) : undefined;
    if (!pipeline || pipeline.versionId !== ref?.pipeline_version_id) {
      return this.error(res, 400, 'Failed to create a run: pipeline version not found');
    }
    const run: KfpRun = {
      run_id: `run-${++this.ids}`,
      display_name: String(request.display_name),
      state: 'PENDING',
      created_at: '2026-01-01T12:00:00Z',
      run_details: { task_details: [] }
    };
    const tasks = Object.keys(((pipeline.spec.root as { dag?: { tasks?: object } })?.dag?.tasks ?? {}) as object);
    this.runs.set(run.run_id, { run, frames: this.frames(run, tasks), frame: 0, terminating: false });
    this.json(res, 200, run);
  }

  private frames(run: KfpRun, tasks: string[]): KfpRun[] {
    const at = (n: number): string => new Date(Date.UTC(2026, 0, 1, 12, 0, n)).toISOString();
    const details: KfpTaskDetail[] = [{ task_id: 't-root', display_name: 'root', state: 'RUNNING', start_time: at(0) }];
    const frames: KfpRun[] = [];
    const push = (state: KfpState, extra: Partial<KfpRun> = {}): void => {
      frames.push({ ...structuredClone(run), state, scheduled_at: at(0), ...extra, run_details: { task_details: structuredClone(details) } });
    };
    push('RUNNING');
    let failed: string | undefined;
    for (const [i, name] of tasks.entries()) {
      if (failed) {
        break;
      }
      const task: KfpTaskDetail = {
        task_id: `t-${i}`,
        display_name: name,
        state: 'RUNNING',
        start_time: at(i + 1),
        child_tasks: [{ pod_name: `${run.run_id}-${name}-pod` }]
      };
      details.push(task);
      push('RUNNING');
      const fails = this.options.failing?.includes(name);
      Object.assign(task, {
        state: fails ? 'FAILED' : 'SUCCEEDED',
        end_time: at(i + 2),
        ...(fails ? { error: { code: 2, message: `${name}: container exited with code 1` } } : {})
      });
      failed = fails ? name : undefined;
      push('RUNNING');
    }
    details[0].state = failed ? 'FAILED' : 'SUCCEEDED';
    push(failed ? 'FAILED' : 'SUCCEEDED', { finished_at: at(99), ...(failed ? { error: { code: 2, message: `task ${failed} failed` } } : {}) });
    return frames;
  }

  private advance(stored: StoredRun): void {
    if (stored.terminating) {
      if (stored.run.state === 'CANCELED') {
        return;
      }
      const next: KfpState = stored.run.state === 'CANCELING' ? 'CANCELED' : 'CANCELING';
      for (const t of stored.run.run_details?.task_details ?? []) {
        if (t.state === 'RUNNING' || t.state === 'PENDING' || t.state === 'CANCELING') {
          t.state = next;
        }
      }
      stored.run = { ...stored.run, state: next, ...(next === 'CANCELED' ? { finished_at: '2026-01-01T12:05:00Z' } : {}) };
      return;
    }
    if (stored.frame < stored.frames.length) {
      stored.run = stored.frames[stored.frame++];
    }
  }
}
