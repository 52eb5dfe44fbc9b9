import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgoNode, ArgoPhase, ArgoWorkflow } from '../kubernetes/argoWorkflow';
import { NODE_ID_ANNOTATION, WORKFLOW_LABEL } from '../kubernetes/argoWorkflow';
import { goJsonBytes } from '../../../../src/core/compile/argo/validate';
import { FakeImages, ImagePullError, type FakeImage, type ImageMapping } from './fakeImages';
import { FakePod, namespaceIsolationAvailable, type Isolation, type PodVolume } from './fakePod';

/**
 * The executing mode of the fake Kubernetes API server: a created Workflow is run for real, the
 * way Argo's controller and executor would run it, and its status nodes, pods and pod logs are
 * published through the same API the scenario mode serves.
 *
 * - The entrypoint DAG: a task starts once its `dependencies` succeeded (or its `depends`
 *   expression holds), up to `parallelism` pods at once; a task that fails fails the workflow,
 *   its dependants are Omitted and, as with Argo's default `failFast`, no new task starts;
 *   `retryStrategy.limit` retries it (a `Retry` node with `task(0)`, `task(1)`... pods);
 *   `spec.shutdown: Terminate` kills running pods, `Stop` lets them finish; no new pod starts.
 * - `script` templates: the source is written to `/argo/staging/script`, appended to the
 *   container's command and args; `{{workflow.name}}`, `{{workflow.namespace}}`,
 *   `{{workflow.uid}}`, `{{workflow.parameters.X}}`, `{{inputs.parameters.X}}` and `{{pod.name}}`
 *   are substituted in template fields; an unresolvable `{{workflow.*}}`/`{{inputs.*}}` fails the
 *   workflow as Argo's validation does; other `{{...}}` are left as they are.
 * - Pods run as fakePod.ts says (an image is a fresh venv, only declared env, only volumes survive).
 * - Volumes: `volumeClaimTemplates` are claims `<workflow>-<name>` (deleted per `volumeClaimGC`:
 *   on success by default), `persistentVolumeClaim` volumes name existing claims (made on first
 *   use, kept across workflows), `emptyDir` is the pod's own; each claim is a folder of the fake.
 * - `activeDeadlineSeconds` kills a pod active for longer (SIGTERM, SIGKILL after the grace period).
 * - A template over 128 KiB as JSON fails its pod, as Linux refuses Argo's ARGO_TEMPLATE env var.
 * - Output parameters `valueFrom.path` are read after the container ends (the last newline
 *   trimmed, as Argo does), `default` when the file is missing; over 256 KiB the node errors.
 *
 * - A task of the entrypoint whose template is a DAG runs that DAG's tasks (one level): a task
 *   with `withParam` runs once per item of the JSON list, `{{item}}` substituted, as nodes
 *   `<task>.<inner>(<index>:<item>)` under a TaskGroup node, at most the template's
 *   `parallelism` pods at once; the DAG node records the task's input parameters, as Argo's do.
 *   With the template's `failFast: true`, once an item fails no other starts (Argo's
 *   checkParallelism), the running ones end, and the task fails with Argo's message; without it
 *   every item runs (the DAG's own failFast does not stop a withParam's expansion while pods run:
 *   argo-workflows #5223), then the task fails. `{{tasks.T.outputs.parameters.P}}` in a task's
 *   arguments is the output parameter of task T (which it must wait for), as Argo resolves it.
 *
 * What differs from a real cluster: no scheduling, image-pull or node delays; retry backoff is
 * not waited for; `when`, artifacts, resource limits, node selectors
 * and tolerations are ignored; `steps`, `container` and `resource` templates end in `Error`; there
 * are no Secrets or ConfigMaps (a pod that needs one fails with CreateContainerConfigError); pods
 * share this machine's network and see its root filesystem (programs, /etc) copy-on-write, not an
 * image's (see fakePod.ts).
 */

export interface ExecuteOptions {
  /** Images other than `python:*` that may run, each made from the given interpreter. */
  images?: Record<string, ImageMapping>;
  /** Pods running at once, across workflows (default 4; `spec.parallelism` lowers it per workflow). */
  parallelism?: number;
  /** Folder of the pristine venvs, reused across fakes and never removed by them (default: the fake's temporary folder). */
  imageCache?: string;
  /** Default: `namespace` where available (root and unshare), else `rewrite` (see fakePod.ts). */
  isolation?: Isolation;
  /**
   * A folder mounted as pip's own cache (`/root/.cache/pip`) in every pod: a fake-level cache
   * standing in for a nearby package mirror, so that installs do not download twice. Off by
   * default: each pod then has an empty HOME and downloads what it installs.
   */
  pipCache?: string;
  /** Between SIGTERM and SIGKILL when a pod is terminated (default 2000 ms; Kubernetes: 30 s). */
  terminationGraceMs?: number;
  /** How a pod gets its fresh venv (fakePod.ts): `copy` (default, `cp -a`) or `overlay` (namespace isolation only). */
  venv?: 'copy' | 'overlay';
  /**
   * `spec.podGC`: a pod the strategy names is deleted this long after it qualifies (default
   * 5000 ms, standing in for the controller's deletion delay), and its log with it (404);
   * `false` keeps every pod.
   */
  podGcDelayMs?: number | false;
}

/** What the fake server does when a workflow changes. */
export interface ExecutorHost {
  /** The workflow's status changed: publish it (watch event) and feed log followers. */
  changed(key: string): void;
  /** A pod of the workflow wrote to its log. */
  output(key: string): void;
}

/** How the fake stores a workflow (fakeKubernetes.ts): its object is replaced by patches. */
export interface ExecutedWorkflow {
  object: ArgoWorkflow;
}

interface DagTask {
  name: string;
  template?: string;
  dependencies?: string[];
  depends?: string;
  /** A JSON list: the task runs once per item (in a DAG template the entrypoint runs: fan-out items). */
  withParam?: string;
  arguments?: { parameters?: Array<{ name: string; value?: string }> };
  continueOn?: { failed?: boolean; error?: boolean };
}

interface Template {
  name: string;
  dag?: { tasks: DagTask[]; failFast?: boolean };
  /** A DAG template: the most of its pods at once. */
  parallelism?: number;
  /** A DAG template: once one of its pods failed, start no other. */
  failFast?: boolean;
  script?: Container & { source: string };
  container?: Container;
  inputs?: { parameters?: Array<{ name: string; value?: string; default?: string }> };
  outputs?: { parameters?: Array<{ name: string; valueFrom?: { path?: string; default?: string } }> };
  retryStrategy?: { limit?: number | string; retryPolicy?: string };
  activeDeadlineSeconds?: number | string;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  volumes?: Volume[];
  [key: string]: unknown;
}

interface Container {
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  workingDir?: string;
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
}

interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  emptyDir?: object;
  [key: string]: unknown;
}

interface WorkflowSpec {
  podGC?: { strategy?: string };
  entrypoint?: string;
  templates?: Template[];
  arguments?: { parameters?: Array<{ name: string; value?: string }> };
  volumeClaimTemplates?: Array<{ metadata?: { name?: string } }>;
  volumeClaimGC?: { strategy?: string };
  volumes?: Volume[];
  parallelism?: number;
  shutdown?: string;
}

/** Argo's limit on what an output parameter may hold (it travels in a pod annotation). */
const MAX_OUTPUT_PARAMETER = 256 * 1024;
const SCRIPT_PATH = '/argo/staging/script';

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A node id as Argo makes it: the workflow name and the FNV-1a hash of the node name. */
export function argoNodeId(workflowName: string, nodeName: string): string {
  let hash = 2166136261;
  for (const byte of Buffer.from(nodeName, 'utf8')) {
    hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  }
  return `${workflowName}-${hash}`;
}

/** Argo's v2 pod name: `<workflow>-<template>-<hash of the node id>`. */
export function argoPodName(workflowName: string, templateName: string, nodeId: string): string {
  const name = `${workflowName}-${templateName}-${nodeId.slice(workflowName.length + 1)}`;
  return name.length <= 253 ? name : `${workflowName.slice(0, 200)}-${nodeId.slice(workflowName.length + 1)}`;
}

type Outcome = 'Succeeded' | 'Failed' | 'Error' | 'Omitted' | 'Skipped';

/** `depends` logic: `a`, `a.Succeeded`, `a.Failed`, `a.Errored`, `a.Skipped`, `a.Omitted`, `a.Daemoned`, `&&`, `||`, `!`, `( )`. */
function evaluateDepends(expression: string, outcomes: Map<string, Outcome>): boolean {
  const tokens = expression.match(/&&|\|\||!|\(|\)|[A-Za-z0-9][-A-Za-z0-9_]*(?:\.[A-Za-z]+)?/g) ?? [];
  let i = 0;
  const primary = (): boolean => {
    const token = tokens[i++];
    if (token === '!') {
      return !primary();
    }
    if (token === '(') {
      const value = or();
      i++; // ')'
      return value;
    }
    const [task, result] = token.split('.');
    const outcome = outcomes.get(task);
    switch (result) {
      case undefined:
        return outcome === 'Succeeded' || outcome === 'Skipped';
      case 'Succeeded':
        return outcome === 'Succeeded';
      case 'Failed':
        return outcome === 'Failed';
      case 'Errored':
        return outcome === 'Error';
      case 'Skipped':
        return outcome === 'Skipped';
      case 'Omitted':
        return outcome === 'Omitted';
      default:
        return false;
    }
  };
  const and = (): boolean => {
    let value = primary();
    while (tokens[i] === '&&') {
      i++;
      value = primary() && value;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (tokens[i] === '||') {
      i++;
      value = and() || value;
    }
    return value;
  };
  return or();
}

function upstream(task: DagTask): string[] {
  if (task.dependencies) {
    return task.dependencies;
  }
  return task.depends ? [...new Set([...task.depends.matchAll(/([A-Za-z0-9][-A-Za-z0-9_]*)(?:\.[A-Za-z]+)?/g)].map(m => m[1]))] : [];
}

class TemplateError extends Error {}

/** Substitutes Argo's simple `{{...}}` tags in every string of a template. */
function substitute<T>(value: T, variables: Record<string, string>, where: string): T {
  const replace = (text: string): string =>
    text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (tag, name: string) => {
      if (name in variables) {
        return variables[name];
      }
      if (/^(workflow|inputs)\./.test(name)) {
        throw new TemplateError(`invalid spec: templates.${where}: failed to resolve ${tag}`);
      }
      return tag; // not Argo's: left as written
    });
  const walk = (v: unknown): unknown =>
    typeof v === 'string'
      ? replace(v)
      : Array.isArray(v)
        ? v.map(walk)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return walk(value) as T;
}

/**
 * A template's input parameters as a task gives them (its argument, else the template's value or
 * default), `{{...}}` resolved with `variables`: the tags `inputs.parameters.NAME` of its body.
 */
function templateInputs(template: Template, task: DagTask, variables: Record<string, string>, where: string): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const p of template.inputs?.parameters ?? []) {
    const given = task.arguments?.parameters?.find(a => a.name === p.name)?.value ?? p.value ?? p.default;
    if (given !== undefined) {
      inputs[`inputs.parameters.${p.name}`] = substitute(String(given), variables, where);
    }
  }
  return inputs;
}

interface PodRecord {
  pod: FakePod;
  nodeId: string;
  name: string;
  namespace: string;
  workflow: string;
  template: Template;
  labels: Record<string, string>;
  image: string;
  /** Why the main container waits (ContainerCreating, ErrImagePull). */
  waiting?: string;
  waitingMessage?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** Timings of the executor's work, for tests and benchmarks. */
export interface ExecutorTimings {
  /** Milliseconds each pulled image took to make (0: found in the cache folder). */
  images: Record<string, number>;
  /** Milliseconds each pod's venv copy took, by pod name. */
  podCopies: Record<string, number>;
}

class WorkflowRun {
  readonly pods = new Map<string, PodRecord>();
  readonly outcomes = new Map<string, Outcome>();
  private readonly started = new Set<string>();
  private readonly running = new Set<PodRecord>();
  private readonly claims = new Map<string, string>();
  private readonly tasks: DagTask[];
  private readonly templates = new Map<string, Template>();
  private readonly name: string;
  private readonly namespace: string;
  private failed?: string;
  private finished = false;
  private activeTasks = 0;
  private error?: string;
  private failFast = true;
  private readonly gcTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly executor: FakeArgoExecutor,
    readonly key: string,
    readonly stored: ExecutedWorkflow
  ) {
    const { metadata } = stored.object;
    this.name = metadata.name!;
    this.namespace = metadata.namespace ?? 'default';
    for (const t of this.spec.templates ?? []) {
      this.templates.set(t.name, t);
    }
    const entry = this.templates.get(this.spec.entrypoint ?? '');
    if (!entry) {
      this.error = `invalid spec: spec.entrypoint: template '${this.spec.entrypoint}' not found`;
    } else if (!entry.dag) {
      this.error = `the fake cluster runs DAG entrypoints only ('${entry.name}' is not a dag template)`;
    }
    this.tasks = entry?.dag?.tasks ?? [];
    this.failFast = entry?.dag?.failFast !== false;
  }

  private get spec(): WorkflowSpec {
    return this.stored.object.spec as WorkflowSpec;
  }

  private get nodes(): Record<string, ArgoNode> {
    return (this.stored.object.status!.nodes ??= {});
  }

  private get variables(): Record<string, string> {
    const { metadata } = this.stored.object;
    const variables: Record<string, string> = {
      'workflow.name': this.name,
      'workflow.namespace': this.namespace,
      'workflow.uid': String(metadata.uid ?? ''),
      'workflow.serviceAccountName': 'default'
    };
    for (const p of this.spec.arguments?.parameters ?? []) {
      if (p.value !== undefined) {
        variables[`workflow.parameters.${p.name}`] = String(p.value);
      }
    }
    return variables;
  }

  private publish(): void {
    this.executor.host.changed(this.key);
  }

  start(): void {
    const status = (this.stored.object.status = { ...this.stored.object.status, phase: 'Running' as ArgoPhase, startedAt: now(), finishedAt: null });
    status.nodes = {};
    if (this.error) {
      return this.finish('Error', this.error);
    }
    this.nodes[this.name] = {
      id: this.name,
      name: this.name,
      displayName: this.name,
      type: 'DAG',
      templateName: this.spec.entrypoint,
      phase: 'Running',
      startedAt: status.startedAt,
      children: []
    };
    this.publish();
    this.schedule();
  }

  /** Starts what may start, omits what never will, finishes the workflow when nothing is left. */
  schedule(): void {
    if (this.finished) {
      return;
    }
    const shutdown = this.spec.shutdown;
    let changed = false;
    let waitingForSlot = false;
    for (const task of this.tasks) {
      if (this.started.has(task.name)) {
        continue;
      }
      const deps = upstream(task);
      if (deps.some(d => !this.outcomes.has(d))) {
        continue;
      }
      const go = task.depends
        ? evaluateDepends(task.depends, this.outcomes)
        : deps.every(d => this.outcomes.get(d) === 'Succeeded' || this.outcomes.get(d) === 'Skipped');
      if (!go) {
        this.started.add(task.name);
        this.outcomes.set(task.name, 'Omitted');
        const id = argoNodeId(this.name, `${this.name}.${task.name}`);
        this.nodes[id] = {
          id,
          name: `${this.name}.${task.name}`,
          displayName: task.name,
          type: 'Skipped',
          templateName: task.template ?? task.name,
          phase: 'Omitted',
          boundaryID: this.name,
          message: 'omitted: depends condition not met',
          startedAt: now(),
          finishedAt: now()
        };
        this.link(task, id);
        changed = true;
        continue;
      }
      if (shutdown || (this.failFast && this.failed) || this.executor.stopped) {
        continue;
      }
      if (!this.belowOwnLimit() || !this.executor.slotFree()) {
        waitingForSlot = true;
        continue;
      }
      this.started.add(task.name);
      this.activeTasks += 1;
      this.executor.activeTasks += 1;
      changed = true;
      void this.runTask(task).finally(() => {
        this.activeTasks -= 1;
        this.executor.activeTasks -= 1;
        this.executor.reschedule();
      });
    }
    if (changed) {
      this.publish();
    }
    if (this.activeTasks === 0 && !waitingForSlot) {
      this.complete();
    }
  }

  /** Whether `spec.parallelism` lets one more task of this workflow start. */
  private belowOwnLimit(): boolean {
    const own = Number(this.spec.parallelism);
    return !(own > 0 && this.activeTasks >= own);
  }

  /** Argo links a task's node under its dependencies' outbound nodes (the last attempt of a retried one), else under the DAG. */
  private link(task: DagTask, id: string): void {
    const deps = upstream(task);
    if (!deps.length) {
      this.nodes[this.name].children!.push(id);
      return;
    }
    for (const dep of deps) {
      const node = this.nodes[argoNodeId(this.name, `${this.name}.${dep}`)];
      const outbound = node?.type === 'Retry' && node.children?.length ? this.nodes[node.children[node.children.length - 1]] : node;
      if (outbound && !outbound.children?.includes(id)) {
        (outbound.children ??= []).push(id);
      }
    }
  }

  private async runTask(task: DagTask): Promise<void> {
    const id = argoNodeId(this.name, `${this.name}.${task.name}`);
    const templateName = task.template ?? task.name;
    let template: Template | undefined;
    try {
      const raw = this.templates.get(templateName);
      if (!raw) {
        throw new TemplateError(`invalid spec: templates.${this.spec.entrypoint}.tasks.${task.name} template reference ${templateName} not found`);
      }
      const inputs = templateInputs(raw, task, { ...this.variables, ...this.taskOutputs(task) }, templateName);
      if (raw.dag) {
        // Its tasks' `{{item}}` and inputs are resolved per task (runNestedDag).
        const outcome = await this.runNestedDag(task, id, raw, inputs);
        this.outcomes.set(task.name, outcome);
        if (outcome !== 'Succeeded') {
          this.failed ??= id;
        }
        this.publish();
        return;
      }
      template = substitute(raw, { ...this.variables, ...inputs }, templateName);
    } catch (error) {
      this.error = (error as Error).message;
      this.outcomes.set(task.name, 'Error');
      this.failed ??= id;
      return;
    }
    const limit = Number(template.retryStrategy?.limit ?? 0) || 0;
    const policy = template.retryStrategy?.retryPolicy ?? 'OnFailure';
    const retried = !!template.retryStrategy;
    const owner: ArgoNode = {
      id,
      name: `${this.name}.${task.name}`,
      displayName: task.name,
      type: retried ? 'Retry' : 'Pod',
      templateName,
      templateScope: `local/${this.name}`,
      phase: 'Pending',
      boundaryID: this.name,
      startedAt: now(),
      ...(retried ? { children: [] } : {})
    } as ArgoNode;
    this.nodes[id] = owner;
    this.link(task, id);
    let outcome: Outcome = 'Failed';
    for (let attempt = 0; ; attempt++) {
      const node: ArgoNode = retried
        ? ({
            id: argoNodeId(this.name, `${this.name}.${task.name}(${attempt})`),
            name: `${this.name}.${task.name}(${attempt})`,
            displayName: `${task.name}(${attempt})`,
            type: 'Pod',
            templateName,
            templateScope: `local/${this.name}`,
            phase: 'Pending',
            boundaryID: this.name,
            startedAt: now()
          } as ArgoNode)
        : owner;
      if (retried) {
        this.nodes[node.id] = node;
        owner.children!.push(node.id);
        owner.phase = 'Running';
      }
      this.publish();
      try {
        outcome = await this.runPod(node, template);
      } catch (error) {
        Object.assign(node, { phase: 'Error', message: `the fake cluster could not run the pod: ${(error as Error).message}`, finishedAt: now() });
        outcome = 'Error';
      }
      if (retried) {
        this.publish();
      }
      const again =
        attempt < limit &&
        !this.spec.shutdown &&
        ((outcome === 'Failed' && policy !== 'OnError') ||
          (outcome === 'Error' && (policy === 'Always' || policy === 'OnError' || policy === 'OnTransientError')));
      if (!again) {
        break;
      }
    }
    if (retried) {
      const last = this.nodes[owner.children![owner.children!.length - 1]];
      Object.assign(owner, {
        phase: outcome,
        finishedAt: now(),
        outputs: last.outputs && structuredClone(last.outputs),
        message: outcome === 'Succeeded' ? undefined : this.spec.shutdown ? last.message : limit > 0 ? 'No more retries left' : last.message
      });
    }
    const tolerated = (outcome === 'Failed' && task.continueOn?.failed) || (outcome === 'Error' && task.continueOn?.error);
    this.outcomes.set(task.name, outcome);
    if (outcome !== 'Succeeded' && !tolerated) {
      this.failed ??= id;
    }
    this.publish();
  }

  /** `{{tasks.T.outputs.parameters.P}}` of the tasks `task` waits for, as their nodes hold them. */
  private taskOutputs(task: DagTask): Record<string, string> {
    const values: Record<string, string> = {};
    for (const dep of upstream(task)) {
      const node = this.nodes[argoNodeId(this.name, `${this.name}.${dep}`)];
      for (const p of node?.outputs?.parameters ?? []) {
        if (p.value !== undefined) {
          values[`tasks.${dep}.outputs.parameters.${p.name}`] = p.value;
        }
      }
    }
    return values;
  }

  /**
   * A task whose template is a DAG (one level, its tasks without dependencies among them, as
   * cellpipe's fan-out emits): a DAG node for the task, a TaskGroup node per `withParam` task,
   * one pod node per item, at most `parallelism` pods at once; the template's failFast as in Argo.
   */
  private async runNestedDag(task: DagTask, id: string, dag: Template, inputs: Record<string, string>): Promise<Outcome> {
    const name = `${this.name}.${task.name}`;
    // Argo records a node's resolved input parameters in its status.
    const recorded = Object.entries(inputs).map(([tag, value]) => ({ name: tag.slice('inputs.parameters.'.length), value }));
    const owner = {
      id,
      name,
      displayName: task.name,
      type: 'DAG',
      templateName: dag.name,
      phase: 'Running',
      boundaryID: this.name,
      startedAt: now(),
      children: [],
      ...(recorded.length ? { inputs: { parameters: recorded } } : {})
    } as ArgoNode;
    this.nodes[id] = owner;
    this.link(task, id);
    this.publish();
    const limit = Number(dag.parallelism) > 0 ? Number(dag.parallelism) : Infinity;
    const failFast = dag.failFast === true;
    let failed = false;
    for (const inner of dag.dag!.tasks) {
      const variables = { ...this.variables, ...inputs };
      const raw = this.templates.get(inner.template ?? inner.name);
      if (!raw) {
        throw new TemplateError(`invalid spec: templates.${dag.name}.tasks.${inner.name} template reference ${inner.template} not found`);
      }
      let items: unknown[] = [undefined];
      let groupId = id;
      if (inner.withParam !== undefined) {
        const list = JSON.parse(substitute(inner.withParam, variables, dag.name)) as unknown;
        if (!Array.isArray(list)) {
          throw new TemplateError(`withParam value could not be parsed as a JSON list: ${inner.withParam}`);
        }
        items = list;
        groupId = argoNodeId(this.name, `${name}.${inner.name}`);
        this.nodes[groupId] = {
          id: groupId,
          name: `${name}.${inner.name}`,
          displayName: inner.name,
          type: 'TaskGroup',
          templateName: raw.name,
          phase: 'Running',
          boundaryID: id,
          startedAt: now(),
          children: []
        } as ArgoNode;
        owner.children!.push(groupId);
      }
      const running = new Set<Promise<void>>();
      for (const [index, item] of items.entries()) {
        while (running.size >= limit || !this.executor.slotFree()) {
          await Promise.race([...running, new Promise(resolve => setTimeout(resolve, 20))]);
        }
        if ((failed && failFast) || this.spec.shutdown || this.executor.stopped) {
          break;
        }
        const itemText = typeof item === 'string' ? item : JSON.stringify(item);
        const nodeName = inner.withParam !== undefined ? `${name}.${inner.name}(${index}:${itemText})` : `${name}.${inner.name}`;
        const parameters = templateInputs(raw, inner, { ...variables, ...(item === undefined ? {} : { item: itemText }) }, raw.name);
        const template = substitute(raw, { ...this.variables, ...parameters }, raw.name);
        const nodeId = argoNodeId(this.name, nodeName);
        const node = {
          id: nodeId,
          name: nodeName,
          displayName: nodeName.slice(name.length + 1),
          type: 'Pod',
          templateName: raw.name,
          phase: 'Pending',
          boundaryID: id,
          startedAt: now()
        } as ArgoNode;
        this.nodes[nodeId] = node;
        this.nodes[groupId].children!.push(nodeId);
        this.executor.activeTasks += 1;
        const run = this.runPod(node, template)
          .catch(() => 'Error' as const)
          .then(outcome => {
            failed ||= outcome !== 'Succeeded';
          })
          .finally(() => {
            this.executor.activeTasks -= 1;
            running.delete(run);
            this.publish();
          });
        running.add(run);
        this.publish();
      }
      await Promise.all(running);
      if (groupId !== id) {
        Object.assign(this.nodes[groupId], { phase: failed ? 'Failed' : 'Succeeded', finishedAt: now() });
      }
    }
    const outcome: Outcome = failed || this.spec.shutdown ? 'Failed' : 'Succeeded';
    const message = failFast ? 'template has failed or errored children and failFast enabled' : 'child failed';
    Object.assign(owner, { phase: outcome, finishedAt: now(), ...(failed ? { message } : {}) });
    return outcome;
  }

  /** Runs one pod for `node` to its end; returns the node's phase. */
  private async runPod(node: ArgoNode, workflowTemplate: Template): Promise<'Succeeded' | 'Failed' | 'Error'> {
    const podName = argoPodName(this.name, workflowTemplate.name, node.id);
    const template = substitute(workflowTemplate, { 'pod.name': podName }, workflowTemplate.name);
    const container = template.script ?? template.container;
    const record: PodRecord = {
      pod: undefined as unknown as FakePod,
      nodeId: node.id,
      name: podName,
      namespace: this.namespace,
      workflow: this.name,
      template,
      labels: { ...(template.metadata?.labels ?? {}), [WORKFLOW_LABEL]: this.name, 'workflows.argoproj.io/completed': 'false' },
      image: container?.image ?? '',
      waiting: 'ContainerCreating'
    };
    const fail = (phase: 'Failed' | 'Error', message: string): 'Failed' | 'Error' => {
      Object.assign(node, { phase, message, finishedAt: now() });
      record.labels['workflows.argoproj.io/completed'] = 'true';
      return phase;
    };
    if (!container || !template.script) {
      return fail('Error', `the fake cluster runs script templates only ('${template.name}' is not one)`);
    }
    // Argo gives the pod's containers the template as JSON in one env var, ARGO_TEMPLATE; Linux
    // refuses to exec with one over 128 KiB (MAX_ARG_STRLEN), and the init container never starts.
    const templateBytes = 'ARGO_TEMPLATE='.length + goJsonBytes(template) + 1;
    if (templateBytes > 128 * 1024) {
      return fail('Error', `init container: exec /bin/argoexec: argument list too long (ARGO_TEMPLATE is ${templateBytes} bytes)`);
    }
    let image: FakeImage;
    try {
      image = await this.executor.images.pull(record.image);
    } catch (error) {
      if (error instanceof ImagePullError) {
        // A real cluster would keep retrying the pull (ImagePullBackOff); here it never can.
        this.pods.set(podName, record);
        Object.assign(record, { waiting: 'ErrImagePull', waitingMessage: error.message });
        return fail('Error', `ErrImagePull: ${error.message}`);
      }
      throw error;
    }
    if (this.executor.stopped) {
      return fail('Error', 'the fake cluster was stopped');
    }
    const dir = mkdtempSync(join(this.executor.root, 'pods', `${podName.slice(0, 60)}-`));
    let volumes: PodVolume[];
    try {
      volumes = this.podVolumes(template, container, dir);
    } catch (error) {
      return fail('Error', (error as Error).message);
    }
    const unresolved = (container.env ?? []).find(e => e.valueFrom);
    if (unresolved) {
      // The fake has no Secrets or ConfigMaps: the kubelet would not create the container.
      const ref = (unresolved.valueFrom as { secretKeyRef?: { name?: string } }).secretKeyRef;
      return fail(
        'Error',
        ref ? `CreateContainerConfigError: secret "${ref.name}" not found` : `the fake cluster cannot resolve env ${unresolved.name}'s valueFrom`
      );
    }
    const outputs = (template.outputs?.parameters ?? []).filter(p => p.valueFrom?.path);
    const pod = new FakePod(
      {
        name: podName,
        image,
        argv: [...(container.command ?? ['python']), ...(container.args ?? []), SCRIPT_PATH],
        env: (container.env ?? []).map(e => [e.name, e.value ?? '']),
        workingDir: container.workingDir,
        volumes,
        script: { path: SCRIPT_PATH, source: template.script.source },
        outputPaths: outputs.map(p => p.valueFrom!.path!),
        isolation: this.executor.isolation,
        dir,
        pipCache: this.executor.options.pipCache,
        venv: this.executor.options.venv
      },
      {
        started: () => {
          Object.assign(record, { waiting: undefined, startedAt: now() });
          node.phase = 'Running';
          this.publish();
        },
        output: () => this.executor.host.output(this.key)
      }
    );
    record.pod = pod;
    this.pods.set(podName, record);
    // activeDeadlineSeconds: the pod is killed once it has been active that long.
    let deadline: NodeJS.Timeout | undefined;
    let deadlineExceeded = false;
    const seconds = Number(template.activeDeadlineSeconds);
    if (seconds > 0) {
      deadline = setTimeout(() => {
        deadlineExceeded = true;
        pod.kill(this.executor.options.terminationGraceMs ?? 2000);
      }, seconds * 1000);
    }
    this.running.add(record);
    this.executor.running.add(pod);
    this.publish();
    let result;
    try {
      result = await pod.run();
    } finally {
      clearTimeout(deadline);
      this.running.delete(record);
      this.executor.running.delete(pod);
      this.executor.timings.podCopies[podName] = pod.copyMs;
      pod.remove();
    }
    record.finishedAt = now();
    record.labels['workflows.argoproj.io/completed'] = 'true';
    node.outputs = { exitCode: String(result.exitCode) };
    if (this.spec.shutdown === 'Terminate' && pod.terminated) {
      return fail('Failed', 'workflow shutdown with strategy:  Terminate');
    }
    if (deadlineExceeded) {
      return fail('Failed', 'Pod was active on the node longer than the specified deadline');
    }
    const parameters: Array<{ name: string; value: string; valueFrom: object }> = [];
    for (const [i, p] of outputs.entries()) {
      const data = result.outputs[i];
      if (data === undefined && p.valueFrom!.default === undefined) {
        return fail('Error', `failed to save outputs: open ${p.valueFrom!.path}: no such file or directory`);
      }
      if (data && data.length > MAX_OUTPUT_PARAMETER) {
        return fail(
          'Error',
          `failed to save outputs: output parameter '${p.name}' is ${data.length} bytes, over the ${MAX_OUTPUT_PARAMETER} bytes Argo allows`
        );
      }
      const value = data === undefined ? p.valueFrom!.default! : data.toString('utf8').replace(/\n$/, '');
      parameters.push({ name: p.name, value, valueFrom: p.valueFrom! });
    }
    if (parameters.length) {
      node.outputs.parameters = parameters;
    }
    if (result.exitCode === 0) {
      Object.assign(node, { phase: 'Succeeded', finishedAt: now() });
      this.collect(podName, 'Succeeded');
      return 'Succeeded';
    }
    this.collect(podName, 'Failed');
    return fail('Failed', `Error (exit code ${result.exitCode})`);
  }

  /** `spec.podGC`: deletes the pod (and its log) once its strategy says so, after the delay. */
  private collect(podName: string, phase: 'Succeeded' | 'Failed', workflowDone = false): void {
    const strategy = this.spec.podGC?.strategy;
    const delay = this.executor.options.podGcDelayMs ?? 5000;
    const due =
      delay !== false &&
      (workflowDone
        ? strategy === 'OnWorkflowCompletion' || (strategy === 'OnWorkflowSuccess' && this.stored.object.status?.phase === 'Succeeded')
        : strategy === 'OnPodCompletion' || (strategy === 'OnPodSuccess' && phase === 'Succeeded'));
    if (!due) {
      return;
    }
    const timer = setTimeout(() => {
      this.gcTimers.delete(timer);
      if (this.pods.delete(podName)) {
        this.publish();
      }
    }, delay);
    this.gcTimers.add(timer);
  }

  /** Stops deleting pods (the fake is stopping). */
  stopGc(): void {
    this.gcTimers.forEach(clearTimeout);
    this.gcTimers.clear();
  }

  private podVolumes(template: Template, container: Container, podDir: string): PodVolume[] {
    const volumes = new Map<string, Volume>();
    for (const v of [...(this.spec.volumes ?? []), ...(template.volumes ?? [])]) {
      volumes.set(v.name, v);
    }
    const claimTemplates = new Set((this.spec.volumeClaimTemplates ?? []).map(c => c.metadata?.name));
    return (container.volumeMounts ?? []).map(m => {
      let hostPath: string;
      let readOnly = !!m.readOnly;
      const volume = volumes.get(m.name);
      if (claimTemplates.has(m.name)) {
        hostPath = this.claim(`${this.name}-${m.name}`, true);
      } else if (volume?.persistentVolumeClaim) {
        hostPath = this.claim(volume.persistentVolumeClaim.claimName, false);
        readOnly ||= !!volume.persistentVolumeClaim.readOnly;
      } else if (volume?.emptyDir) {
        hostPath = join(podDir, 'volumes', m.name);
      } else {
        throw new Error(
          volume ? `the fake cluster mounts persistentVolumeClaim and emptyDir volumes only (volume '${m.name}')` : `volume '${m.name}' not found`
        );
      }
      if (m.subPath) {
        hostPath = join(hostPath, m.subPath);
      }
      mkdirSync(hostPath, { recursive: true });
      return { mountPath: m.mountPath, hostPath, readOnly };
    });
  }

  /** A claim's folder; `owned` claims (from volumeClaimTemplates) are the workflow's, for volumeClaimGC. */
  private claim(claimName: string, owned: boolean): string {
    const path = this.executor.claimPath(this.namespace, claimName);
    if (owned) {
      this.claims.set(claimName, path);
    }
    return path;
  }

  /** Applies `spec.shutdown` after a patch. */
  patched(): void {
    if (this.finished) {
      return;
    }
    if (this.spec.shutdown === 'Terminate') {
      for (const record of this.running) {
        record.pod.kill(this.executor.options.terminationGraceMs ?? 2000);
      }
    }
    this.schedule();
  }

  private complete(): void {
    const shutdown = this.spec.shutdown;
    if (shutdown) {
      return this.finish('Failed', `Stopped with strategy '${shutdown}'`);
    }
    if (this.error) {
      return this.finish('Error', this.error);
    }
    if (this.failed) {
      return this.finish('Failed', `child '${this.failed}' failed`);
    }
    this.finish('Succeeded');
  }

  private finish(phase: ArgoPhase, message?: string): void {
    this.finished = true;
    const status = this.stored.object.status!;
    const finishedAt = now();
    const root = this.nodes[this.name];
    if (root) {
      Object.assign(root, { phase, finishedAt, ...(message ? { message } : {}) });
    }
    Object.assign(status, { phase, finishedAt, ...(message ? { message } : {}) });
    const gc = this.spec.volumeClaimGC?.strategy ?? 'OnWorkflowSuccess';
    if (gc === 'OnWorkflowCompletion' || (gc === 'OnWorkflowSuccess' && phase === 'Succeeded')) {
      for (const path of this.claims.values()) {
        rmSync(path, { recursive: true, force: true });
      }
    }
    this.publish();
    for (const [name, record] of this.pods) {
      this.collect(name, record.pod?.exitCode === 0 ? 'Succeeded' : 'Failed', true);
    }
    this.executor.finished(this);
  }

  get done(): boolean {
    return this.finished;
  }

  /** The pod as the API lists it. */
  podObject(record: PodRecord): object {
    const node = this.nodes[record.nodeId];
    const terminated = record.pod?.state === 'terminated';
    const exitCode = record.pod?.exitCode ?? 0;
    const state = terminated
      ? { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: record.startedAt, finishedAt: record.finishedAt } }
      : record.waiting
        ? { waiting: { reason: record.waiting, ...(record.waitingMessage ? { message: record.waitingMessage } : {}) } }
        : { running: { startedAt: record.startedAt } };
    const phase = terminated ? (exitCode === 0 ? 'Succeeded' : 'Failed') : record.waiting ? 'Pending' : 'Running';
    return {
      metadata: {
        name: record.name,
        namespace: record.namespace,
        labels: record.labels,
        annotations: { [NODE_ID_ANNOTATION]: record.nodeId, 'workflows.argoproj.io/node-name': node?.name ?? '' }
      },
      spec: {
        hostname: record.name.slice(0, 63),
        containers: [
          { name: 'wait', image: 'quay.io/argoproj/argoexec:fake' },
          { name: 'main', image: record.image }
        ]
      },
      status: {
        phase,
        containerStatuses: [
          {
            name: 'wait',
            image: 'quay.io/argoproj/argoexec:fake',
            state: terminated ? { terminated: { exitCode: 0, reason: 'Completed' } } : { running: {} }
          },
          { name: 'main', image: record.image, state }
        ]
      }
    };
  }
}

export class FakeArgoExecutor {
  readonly root: string;
  readonly images: FakeImages;
  readonly isolation: Isolation;
  readonly running = new Set<FakePod>();
  readonly timings: ExecutorTimings = { images: {}, podCopies: {} };
  private readonly runs = new Map<ExecutedWorkflow, WorkflowRun>();
  private readonly parallelism: number;
  stopped = false;
  private settled: Array<() => void> = [];

  constructor(
    readonly options: ExecuteOptions,
    readonly host: ExecutorHost
  ) {
    this.root = mkdtempSync(join(tmpdir(), 'cellpipe-fakepods-'));
    mkdirSync(join(this.root, 'pods'));
    this.images = new FakeImages(options.imageCache ?? join(this.root, 'images'), options.images);
    if (options.pipCache) {
      mkdirSync(options.pipCache, { recursive: true }); // bind-mounted into every pod: it must exist
    }
    this.isolation = options.isolation ?? (namespaceIsolationAvailable() ? 'namespace' : 'rewrite');
    if (this.isolation === 'namespace' && !namespaceIsolationAvailable()) {
      throw new Error('namespace isolation needs root and a working `unshare -m`');
    }
    this.parallelism = options.parallelism ?? 4;
  }

  /** The folder that holds a claim's data (made on first use). */
  claimPath(namespace: string, claimName: string): string {
    const path = join(this.root, 'claims', namespace, claimName);
    mkdirSync(path, { recursive: true });
    return path;
  }

  /** Starts running a workflow the fake server has just stored. */
  start(key: string, stored: ExecutedWorkflow): void {
    if (this.stopped) {
      return;
    }
    const run = new WorkflowRun(this, key, stored);
    this.runs.set(stored, run);
    run.start();
  }

  /** After a patch of the workflow (shutdown). */
  patched(stored: ExecutedWorkflow): void {
    this.runs.get(stored)?.patched();
  }

  /** Tasks running (pulling, copying or running their pod) across workflows. */
  activeTasks = 0;

  slotFree(): boolean {
    return this.activeTasks < this.parallelism;
  }

  /** A pod finished: other tasks (of any workflow) may start. */
  reschedule(): void {
    for (const run of this.runs.values()) {
      run.schedule();
    }
  }

  finished(_run: WorkflowRun): void {
    void this.images.images().then(images => images.forEach(i => (this.timings.images[i.image] = i.createdMs)));
    if ([...this.runs.values()].every(r => r.done)) {
      this.settled.splice(0).forEach(resolve => resolve());
    }
  }

  /** The pods of a stored workflow, as the API lists them. */
  podsOf(stored: ExecutedWorkflow): object[] {
    const run = this.runs.get(stored);
    return run ? [...run.pods.values()].map(p => run.podObject(p)) : [];
  }

  /** A pod of a stored workflow by name: its node id and whether its main container has started. */
  podByName(stored: ExecutedWorkflow, name: string): { nodeId: string; started: boolean; waiting?: string } | undefined {
    const record = this.runs.get(stored)?.pods.get(name);
    return record && { nodeId: record.nodeId, started: !!record.pod && record.pod.state !== 'waiting', waiting: record.waiting };
  }

  /** What the pod of a node has written so far. */
  log(stored: ExecutedWorkflow, nodeId: string): string {
    const run = this.runs.get(stored);
    for (const record of run?.pods.values() ?? []) {
      if (record.nodeId === nodeId) {
        return record.pod?.log ?? '';
      }
    }
    return '';
  }

  /** Settles once every workflow started so far has finished. */
  idle(): Promise<void> {
    return [...this.runs.values()].every(r => r.done) ? Promise.resolve() : new Promise(resolve => this.settled.push(resolve));
  }

  /** Kills every pod still running (SIGKILL), waits for them, removes the fake's folders. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.runs.forEach(run => run.stopGc());
    const groups = [...this.running].map(pod => pod.pid).filter((pid): pid is number => !!pid);
    for (const run of this.runs.values()) {
      for (const record of run.pods.values()) {
        record.pod?.kill(0);
      }
    }
    const alive = (pid: number): boolean => {
      try {
        process.kill(-pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    // Until every pod's process group is gone (a chrooted process outlives its shell by a moment).
    const deadline = Date.now() + 10_000;
    while ((this.running.size || groups.some(alive)) && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    await this.images.images(); // a venv being made: let it end before its folder goes
    rmSync(this.root, { recursive: true, force: true });
  }
}
