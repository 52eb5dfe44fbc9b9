/**
 * Checks a Workflow document the way Argo would before running it: the strict schema of the
 * fields cellpipe emits (argo/schema.ts, its ajv validator generated ahead), then semantic checks
 * mirroring Argo's validator (workflow/validate): template and dependency references resolve, no
 * cycles, names unique and well formed, every `{{...}}` reference is one Argo resolves, volume
 * mounts name volumes, every template small enough for its pod; and that the step payload unpacks
 * and holds the script each step runs. Returns the problems found, [] for a valid document.
 */
import type { ValidateFunction } from 'ajv';
import { utf8Bytes } from '../cluster/diagnostics';
import { isLabelValue, isQualifiedName } from '../cluster/kubernetesNames';
import { decodePayload, MAX_TEMPLATE_BYTES, partsCountOf, payloadPartOf, type Gunzip } from '../cluster/stepPayload';
import { RUNTIME_PATH } from '../runtime/contract';
import { ARGO_SETUP_TASK, argoSetupPartTask } from './labels';
import { validateWorkflowSchema } from './schemaValidator.generated';
import { launchedScriptOf } from './stepLauncher';
import { workerScriptOf } from './launchers';
import type { ArgoTemplate, ArgoWorkflow } from './types';

/** ARGO_WORKFLOW_SCHEMA (schema.ts) as ajv compiles it, generated ahead (schemaValidator.spec.ts). */
const workflowSchema = validateWorkflowSchema as ValidateFunction;

function schemaProblems(doc: unknown): string[] {
  if (workflowSchema(doc)) {
    return [];
  }
  return (workflowSchema.errors ?? []).map(
    e =>
      `schema: ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`
  );
}

/** Global variables cellpipe may reference (a subset of what Argo knows), plus per-template ones. */
const GLOBAL_TAGS = new Set(['workflow.name', 'workflow.namespace', 'workflow.uid', 'workflow.serviceAccountName']);
const POD_TAGS = new Set(['pod.name', 'retries']);

/** `{{tag}}` references in text, or an error for a `{{` without its `}}` (Argo refuses those too). */
export function templateTags(text: string): { tags: string[]; unterminated: boolean } {
  const tags: string[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf('{{', at);
    if (open < 0) {
      return { tags, unterminated: false };
    }
    const close = text.indexOf('}}', open + 2);
    if (close < 0) {
      return { tags, unterminated: true };
    }
    tags.push(text.slice(open + 2, close).trim());
    at = close + 2;
  }
}

/** Every string in a JSON value (keys included). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => [key, ...strings(v)]);
  }
  return [];
}

function referenceProblems(where: string, value: unknown, known: (tag: string) => boolean): string[] {
  return strings(value).flatMap(text => {
    const { tags, unterminated } = templateTags(text);
    const problems = tags.filter(tag => !known(tag)).map(tag => `${where}: unresolvable reference {{${tag}}}`);
    return unterminated ? [...problems, `${where}: '{{' without a closing '}}'`] : problems;
  });
}

/** Every task `task` waits for, directly or not. */
function ancestors(graph: ReadonlyMap<string, string[]>, task: string): Set<string> {
  const found = new Set<string>();
  const queue = [...(graph.get(task) ?? [])];
  while (queue.length) {
    const next = queue.pop()!;
    if (!found.has(next)) {
      found.add(next);
      queue.push(...(graph.get(next) ?? []));
    }
  }
  return found;
}

/**
 * The references of a DAG's tasks (`withParam`, `arguments`), as Argo resolves them: `{{item}}`
 * only in a task with `withParam`, `{{tasks.T.outputs.parameters.P}}` only of a task T it waits
 * for whose template declares P, `{{inputs.parameters.N}}` only of the DAG template's own inputs;
 * and every input parameter of a task's template given a value.
 */
function taskReferenceProblems(template: ArgoTemplate, templates: ReadonlyMap<string, ArgoTemplate>, global: (tag: string) => boolean): string[] {
  const tasks = template.dag?.tasks ?? [];
  const graph = new Map(tasks.map(t => [t.name, t.dependencies ?? []]));
  const templateOf = new Map(tasks.map(t => [t.name, templates.get(t.template)]));
  const inputs = new Set((template.inputs?.parameters ?? []).map(p => p.name));
  return tasks.flatMap(task => {
    const waited = ancestors(graph, task.name);
    const known = (tag: string): boolean => {
      if (tag === 'item') {
        return task.withParam !== undefined;
      }
      const output = /^tasks\.([^.]+)\.outputs\.parameters\.(.+)$/.exec(tag);
      if (output) {
        return waited.has(output[1]) && !!templateOf.get(output[1])?.outputs?.parameters.some(p => p.name === output[2]);
      }
      return (tag.startsWith('inputs.parameters.') && inputs.has(tag.slice('inputs.parameters.'.length))) || global(tag);
    };
    const where = `template ${template.name}: task ${task.name}`;
    const given = new Set((task.arguments?.parameters ?? []).map(p => p.name));
    const missing = (templates.get(task.template)?.inputs?.parameters ?? [])
      .filter(p => !given.has(p.name))
      .map(p => `${where}: no value for input parameter ${p.name} of template ${task.template}`);
    return [...referenceProblems(where, { withParam: task.withParam, arguments: task.arguments }, known), ...missing];
  });
}

function dagProblems(template: ArgoTemplate, templates: Set<string>): string[] {
  const problems: string[] = [];
  const tasks = template.dag?.tasks ?? [];
  const names = new Set<string>();
  for (const task of tasks) {
    if (names.has(task.name)) {
      problems.push(`template ${template.name}: duplicate task ${task.name}`);
    }
    names.add(task.name);
    if (!templates.has(task.template)) {
      problems.push(`template ${template.name}: task ${task.name} references missing template ${task.template}`);
    }
  }
  const graph = new Map(tasks.map(t => [t.name, t.dependencies ?? []]));
  for (const [task, deps] of graph) {
    for (const dep of deps) {
      if (!graph.has(dep)) {
        problems.push(`template ${template.name}: task ${task} depends on missing task ${dep}`);
      }
    }
  }
  // Cycles: depth-first search with colours.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (task: string, path: string[]): void => {
    if (state.get(task) === 'done' || !graph.has(task)) {
      return;
    }
    if (state.get(task) === 'visiting') {
      problems.push(`template ${template.name}: dependency cycle ${[...path.slice(path.indexOf(task)), task].join(' -> ')}`);
      return;
    }
    state.set(task, 'visiting');
    for (const dep of graph.get(task)!) {
      visit(dep, [...path, task]);
    }
    state.set(task, 'done');
  };
  for (const task of graph.keys()) {
    visit(task, []);
  }
  return problems;
}

function labelProblems(where: string, labels: Record<string, string> | undefined, annotations: Record<string, string> | undefined): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!isQualifiedName(key) || !isLabelValue(value)) {
      problems.push(`${where}: invalid label ${key}=${value}`);
    }
  }
  for (const key of Object.keys(annotations ?? {})) {
    if (!isQualifiedName(key)) {
      problems.push(`${where}: invalid annotation key ${key}`);
    }
  }
  return problems;
}

function semanticProblems(wf: ArgoWorkflow): string[] {
  const problems: string[] = [];
  const { metadata, spec } = wf;
  if (wf.kind === 'WorkflowTemplate' ? !metadata.name || metadata.generateName : !metadata.name === !metadata.generateName) {
    problems.push(`metadata: a ${wf.kind} needs ${wf.kind === 'WorkflowTemplate' ? 'name' : 'exactly one of name and generateName'}`);
  }
  problems.push(...labelProblems('metadata', metadata.labels, metadata.annotations));
  const parameters = spec.arguments?.parameters ?? [];
  const parameterNames = new Set(parameters.map(p => p.name));
  if (parameterNames.size !== parameters.length) {
    problems.push('spec.arguments: duplicate parameter names');
  }
  problems.push(...referenceProblems('metadata', metadata, () => false), ...referenceProblems('spec.arguments', spec.arguments, () => false));

  const templateNames = new Set<string>();
  for (const template of spec.templates) {
    if (templateNames.has(template.name)) {
      problems.push(`duplicate template ${template.name}`);
    }
    templateNames.add(template.name);
  }
  if (!templateNames.has(spec.entrypoint)) {
    problems.push(`spec.entrypoint ${spec.entrypoint} is not a template`);
  }
  const volumes = new Set([...(spec.volumes ?? []).map(v => v.name), ...(spec.volumeClaimTemplates ?? []).map(v => v.metadata.name)]);
  const global = (tag: string): boolean =>
    GLOBAL_TAGS.has(tag) ||
    POD_TAGS.has(tag) ||
    (tag.startsWith('workflow.parameters.') && parameterNames.has(tag.slice('workflow.parameters.'.length)));
  const templates = new Map(spec.templates.map(template => [template.name, template]));
  for (const template of spec.templates) {
    const where = `template ${template.name}`;
    if (!template.dag === !template.script) {
      problems.push(`${where}: needs exactly one of dag and script`);
    }
    for (const field of ['parallelism', 'failFast'] as const) {
      if (template[field] !== undefined && !template.dag) {
        problems.push(`${where}: ${field} governs a DAG template's tasks; this template has none`);
      }
    }
    const inputs = new Set((template.inputs?.parameters ?? []).map(p => p.name));
    const known = (tag: string): boolean =>
      global(tag) || (tag.startsWith('inputs.parameters.') && inputs.has(tag.slice('inputs.parameters.'.length)));
    problems.push(...dagProblems(template, templateNames));
    problems.push(...taskReferenceProblems(template, templates, global));
    problems.push(...labelProblems(where, template.metadata?.labels, template.metadata?.annotations));
    const { dag, ...rest } = template;
    problems.push(
      ...referenceProblems(where, rest, known),
      ...referenceProblems(
        where,
        dag?.tasks.map(t => ({ name: t.name, template: t.template })),
        known
      )
    );
    const env = template.script?.env ?? [];
    const envNames = new Set(env.map(e => e.name));
    if (envNames.size !== env.length) {
      problems.push(`${where}: duplicate env var names`);
    }
    for (const mount of template.script?.volumeMounts ?? []) {
      if (!volumes.has(mount.name)) {
        problems.push(`${where}: mounts missing volume ${mount.name}`);
      }
    }
  }
  return problems;
}

/** Bytes of a value as Go's encoding/json writes it (`<`, `>` and `&` as \u003c...): how Argo passes a template to its pod. */
export function goJsonBytes(value: unknown): number {
  const json = JSON.stringify(value);
  const escaped = json.match(/[<>&]/g)?.length ?? 0;
  return utf8Bytes(json) + 5 * escaped;
}

/**
 * Templates a pod could not be given: Argo passes the template to the pod's containers in one
 * environment variable (ARGO_TEMPLATE), which Linux refuses over 128 KiB ("argument list too long").
 */
function templateSizeProblems(spec: ArgoWorkflow['spec']): string[] {
  return spec.templates
    .filter(template => template.script)
    .map(template => [template.name, goJsonBytes(template)] as const)
    .filter(([, bytes]) => bytes > MAX_TEMPLATE_BYTES)
    .map(([name, bytes]) => `template ${name}: ${bytes} bytes as JSON, more than a pod's template can be (${MAX_TEMPLATE_BYTES})`);
}

/**
 * The step payload (cluster/stepPayload.ts) against the steps: the setup template's part and the
 * part templates' read back, unpacked as the setup task's Python would, and every step template
 * running a script the payload holds, besides the runtime file.
 */
function payloadProblems(spec: ArgoWorkflow['spec'], gunzip?: Gunzip): string[] {
  const templates = new Map(spec.templates.map(template => [template.name, template]));
  const setup = templates.get(ARGO_SETUP_TASK)?.script?.source;
  const steps = spec.templates.filter(template => template.script && !template.name.includes('--'));
  if (setup === undefined) {
    return steps.length ? [`no ${ARGO_SETUP_TASK} template to write the step scripts`] : [];
  }
  const count = partsCountOf(setup);
  const parts = [payloadPartOf(setup)];
  for (let index = 2; index <= (count ?? 0); index++) {
    parts.push(payloadPartOf(templates.get(argoSetupPartTask(index))?.script?.source ?? ''));
  }
  const missing = parts.flatMap((part, i) => (part === null ? [i + 1] : []));
  if (count === null || missing.length) {
    return [`template ${ARGO_SETUP_TASK}: the step payload's parts ${count === null ? 'are not counted' : missing.join(', ') + ' are missing'}`];
  }
  const setupTask = spec.templates.flatMap(template => template.dag?.tasks ?? []).find(task => task.name === ARGO_SETUP_TASK);
  const unwaited = parts.slice(1).flatMap((_, i) => (setupTask?.dependencies?.includes(argoSetupPartTask(i + 2)) ? [] : [argoSetupPartTask(i + 2)]));
  const files = decodePayload(parts.join(''), gunzip);
  if ('problem' in files) {
    return [`template ${ARGO_SETUP_TASK}: the step payload cannot be unpacked: ${files.problem}`];
  }
  const problems = unwaited.map(task => `task ${ARGO_SETUP_TASK} does not wait for ${task}, which writes part of the step payload`);
  if (!files[RUNTIME_PATH]) {
    problems.push(`template ${ARGO_SETUP_TASK}: the step payload has no runtime file (${RUNTIME_PATH})`);
  }
  for (const step of steps) {
    const script = launchedScriptOf(step.script!.source) ?? workerScriptOf(step);
    if (script === null) {
      problems.push(`template ${step.name}: its source runs no step script`);
    } else if (!files[script]?.includes(`'stepDir': '${step.name}'`)) {
      problems.push(`template ${step.name}: the step payload has no script of this step at ${script}`);
    }
  }
  return problems;
}

/** Problems of a Workflow / WorkflowTemplate document; [] when Argo would accept it. `gunzip` unpacks its step payload (default: the core's). */
export function validateArgoWorkflow(doc: unknown, gunzip?: Gunzip): string[] {
  const problems = schemaProblems(doc);
  // Semantic checks assume the shape the schema guarantees.
  if (problems.length) {
    return problems;
  }
  const workflow = doc as ArgoWorkflow;
  return [...semanticProblems(workflow), ...templateSizeProblems(workflow.spec), ...payloadProblems(workflow.spec, gunzip)];
}
