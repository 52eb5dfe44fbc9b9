/**
 * Pipeline IR -> Kubeflow Pipelines v2: a PipelineSpec (schemaVersion 2.1.0, protobuf JSON) and its
 * platforms.kubernetes document. The run's volume comes from CreatePVC / DeletePVC tasks (or an
 * existing claim) and is mounted in every executor; a setup task writes the run's runtime file and
 * the step scripts to it once (cluster/stepPayload.ts, cluster/setupScript.ts), and each step runs
 * its script from there (completionGuard.ts). Every task runs with caching off: steps pass data through
 * the run's own volume, which a cached task would not have written. DeletePVC runs after the last
 * steps succeed, so a failed run keeps its volume (and its data) for inspection.
 *
 * Task names: a step's task is named by its step id; the tasks cellpipe adds have names with
 * '--', which no step id contains.
 */
import type { Parameter } from '../../analysis';
import type { Diagnostic } from '../../notebook';
import type { Pipeline, PipelineStep } from '../../pipeline';
import { claimMountEnv, claimMounts } from '../cluster/claimMounts';
import { CompileDiagnostics, orThrow, utf8Bytes } from '../cluster/diagnostics';
import { dnsLabel } from '../cluster/kubernetesNames';
import { DATA_MOUNT_PATH, DEFAULT_STEP_IMAGE, type VolumeOptions } from '../cluster/options';
import { checkParameterNames } from '../cluster/parameters';
import { podConfig, resolveVolume, warnReadWriteOnce } from '../cluster/podConfig';
import { SECURITY_CONTEXT_HOME, securityContextOf } from '../cluster/securityContext';
import { payloadPartScript, setupScript } from '../cluster/setupScript';
import { packStepScripts, stepScriptPath, type Gzip } from '../cluster/stepPayload';
import {
  ENVIRONMENT_ANNOTATION,
  ENVIRONMENTS_ANNOTATION,
  environmentPath,
  environmentsSummary,
  INDEX_SECRET_KEYS,
  planEnvironments,
  reportEnvironments
} from '../cluster/environments';
import { safeJson } from '../cluster/parameters';
import { hasTemplateSyntax } from '../cluster/argoSafe';
import { compileStepScripts } from '../stepScript';
import { CLUSTER_CELL_OUTPUTS_LIMIT, podEventsFile, RUNTIME_ENV } from '../runtime/contract';
import { COMPLETION_GUARD } from './completionGuard';
import { fanOutLoop, itemInputDefinitions, itemListGuardOptions, itemListOutputDefinitions, ITEM_GUARD_OPTIONS } from './fanOut';
import { itemsTaskName, itemTaskName } from '../cluster/fanOutNames';
import { KFP_MODELS_ENV, kfpDistributedContainer, kfpServe } from './launchers';
import { checkDistributedVolume, checkServedModelsClaim, distributedResourceOf } from '../cluster/distributedDiagnostics';
import type { KfpOptions } from './options';

export const KFP_SCHEMA_VERSION = '2.1.0';
export const KFP_CREATE_PVC_TASK = 'cellpipe--createpvc';
export const KFP_DELETE_PVC_TASK = 'cellpipe--deletepvc';
export const KFP_SETUP_TASK = 'cellpipe--setup';
/** The tasks writing the parts 2, 3... of a long step payload, which the setup task waits for. */
export function kfpSetupPartTask(index: number): string {
  return `${KFP_SETUP_TASK}-part-${index}`;
}
/**
 * Each step's output artifact holding its cells and what they showed as an HTML page
 * (runtime/cellpipe_outputs_page.py): KFP's API gives a step's outputs back to no client (neither
 * its files nor its output parameters' values), so the KFP UI is where a KFP run's outputs are
 * seen. The run's graph shows the artifact under its step; its Visualization tab renders the page
 * (a `system.HTML` artifact). The launcher uploads it when the step succeeds.
 */
export const KFP_OUTPUTS_PAGE_ARTIFACT = 'cell_outputs';

type Json = Record<string, unknown>;

export interface KfpPipeline {
  /** YAML document 1: the PipelineSpec. */
  pipelineSpec: Json;
  /** YAML document 2: `{platforms: {kubernetes: {deploymentSpec: {executors}}}}`. */
  platformSpec: Json;
  /** Warnings and errors found on the way. */
  diagnostics: Diagnostic[];
}

/**
 * KFP parameter type of a notebook parameter, and how the text KFP substitutes for its placeholder
 * goes into the run's one JSON object of values (cellpipe_step.py): 'json' as it is, 'str' as a
 * JSON string. The parameters stay typed inputs, so KFP's run form shows and checks their types.
 */
function parameterType(p: Parameter): { type: string; kind: 'str' | 'json'; defaultValue: unknown } {
  if (hasTemplateSyntax(JSON.stringify(p.default ?? null))) {
    // KFP runs on Argo, which would substitute `{{...}}` in the default (strings, list items, dict
    // keys), and the kubelet `$(...)`: it goes as JSON text with those characters \u-escaped.
    return { type: 'STRING', kind: 'json', defaultValue: safeJson(p.default) };
  }
  switch (p.type) {
    case 'bool':
      return { type: 'BOOLEAN', kind: 'json', defaultValue: p.default };
    case 'int':
      return { type: 'NUMBER_INTEGER', kind: 'json', defaultValue: p.default };
    case 'float':
      return { type: 'NUMBER_DOUBLE', kind: 'json', defaultValue: p.default };
    case 'str':
      return { type: 'STRING', kind: 'str', defaultValue: p.default };
    case 'list':
    case 'tuple':
      return { type: 'LIST', kind: 'json', defaultValue: p.default };
    case 'dict':
      return { type: 'STRUCT', kind: 'json', defaultValue: p.default };
    default:
      // None (or anything else): JSON text in a string parameter.
      return { type: 'STRING', kind: 'json', defaultValue: JSON.stringify(p.default ?? null) };
  }
}

const componentName = (task: string): string => `comp-${task}`;
const executorName = (task: string): string => `exec-${task}`;
/** The run's data folder: per run, also on a claim shared by runs. */
const DATA_DIR = `${DATA_MOUNT_PATH}/{{$.pipeline_job_uuid}}`;

function pvcComponents(): Json {
  const stringParam = { parameterType: 'STRING', isOptional: true };
  return {
    [componentName(KFP_CREATE_PVC_TASK)]: {
      executorLabel: executorName(KFP_CREATE_PVC_TASK),
      inputDefinitions: {
        parameters: {
          access_modes: { parameterType: 'LIST' },
          annotations: { parameterType: 'STRUCT', isOptional: true },
          pvc_name: stringParam,
          pvc_name_suffix: stringParam,
          size: { parameterType: 'STRING' },
          storage_class_name: { ...stringParam, defaultValue: '' },
          volume_name: stringParam
        }
      },
      outputDefinitions: { parameters: { name: { parameterType: 'STRING' } } }
    },
    [componentName(KFP_DELETE_PVC_TASK)]: {
      executorLabel: executorName(KFP_DELETE_PVC_TASK),
      inputDefinitions: { parameters: { pvc_name: { parameterType: 'STRING' } } }
    }
  };
}

function constant(value: unknown): Json {
  return { runtimeValue: { constant: value } };
}

function pvcMount(volume: VolumeOptions): Json {
  return 'existingClaim' in volume
    ? { mountPath: DATA_MOUNT_PATH, constant: volume.existingClaim }
    : { mountPath: DATA_MOUNT_PATH, taskOutputParameter: { producerTask: KFP_CREATE_PVC_TASK, outputParameterKey: 'name' } };
}

/** The step's resource limits in PipelineSpec terms; other resources are reported. */
function resources(step: PipelineStep, limits: Record<string, string>, out: CompileDiagnostics): Json | undefined {
  const spec: Json = {};
  for (const [resource, value] of Object.entries(limits)) {
    if (resource === 'cpu') {
      spec.resourceCpuLimit = value;
    } else if (resource === 'memory') {
      spec.resourceMemoryLimit = value;
    } else if (/gpu$/.test(resource) && !spec.accelerator) {
      spec.accelerator = { resourceType: resource, resourceCount: value };
    } else {
      out.error(
        `step ${JSON.stringify(step.name)}: limit:${resource} cannot be set on Kubeflow Pipelines (cpu, memory and one GPU type can)`,
        step.cells[0] ?? null
      );
    }
  }
  return Object.keys(spec).length ? spec : undefined;
}

/** Linux refuses a single command-line argument over 128 KiB (MAX_ARG_STRLEN); KFP passes the setup tasks' scripts as one. */
const MAX_ARGUMENT_BYTES = 128 * 1024 - 1;

function checkArgument(script: string, what: string, out: CompileDiagnostics): string {
  const bytes = utf8Bytes(script);
  if (bytes > MAX_ARGUMENT_BYTES) {
    out.error(`${what}: its script is ${bytes} bytes, more than a KFP container argument can hold (128 KiB)`);
  }
  return script;
}

/** Compiles a pipeline to KFP v2; the documents are returned even with errors (see compileKfpPipeline); `gzip` packs the step payload. */
export function compileKfp(pipeline: Pipeline, options: KfpOptions = {}, gzip?: Gzip): KfpPipeline {
  const out = new CompileDiagnostics();
  checkParameterNames(pipeline.parameters, out);
  const volume = resolveVolume(pipeline.settings, options, out);
  const python = options.python ?? 'python3';
  // The volume root is DATA_MOUNT_PATH here too: a run's data folder (DATA_DIR) is one level below it.
  const setupRuntime = { image: pipeline.settings.image ?? options.image ?? DEFAULT_STEP_IMAGE, python };
  const environments = planEnvironments(pipeline, setupRuntime, out);
  warnReadWriteOnce(pipeline, volume, out, environments.sets.length > 0);
  checkDistributedVolume(pipeline, volume, out);
  checkServedModelsClaim(pipeline, volume, out);
  const distributed = distributedResourceOf(pipeline, out);
  reportEnvironments(pipeline, environments, volume, setupRuntime, step => step.config.image ?? setupRuntime.image, out);
  const freshClaim = !('existingClaim' in volume);
  const parameters = pipeline.parameters.map(p => ({ name: p.name, ...parameterType(p) }));

  const components: Json = freshClaim ? pvcComponents() : {};
  const executors: Json = freshClaim
    ? {
        [executorName(KFP_CREATE_PVC_TASK)]: { container: { image: 'argostub/createpvc' } },
        [executorName(KFP_DELETE_PVC_TASK)]: { container: { image: 'argostub/deletepvc' } }
      }
    : {};
  const platformExecutors: Json = {};
  const tasks: Json = {};
  const noCache = { enableCache: false };
  const claimDependency = freshClaim ? [KFP_CREATE_PVC_TASK] : [];

  if (freshClaim) {
    tasks[KFP_CREATE_PVC_TASK] = {
      taskInfo: { name: KFP_CREATE_PVC_TASK },
      componentRef: { name: componentName(KFP_CREATE_PVC_TASK) },
      cachingOptions: noCache,
      inputs: {
        parameters: {
          access_modes: constant([volume.accessMode]),
          pvc_name_suffix: constant('-cellpipe-data'),
          size: constant(volume.size),
          // Left out, the cluster's default storage class; '' would mean none.
          ...(volume.storageClass !== null ? { storage_class_name: constant(volume.storageClass) } : {})
        }
      }
    };
  }
  // The notebook's own volumes (Kale's `volumes`), mounted in every task as on Argo.
  const claims = claimMounts(pipeline, out);
  const extraMounts = claims.map(mount => ({ mountPath: mount.mountPath, constant: mount.claim }));
  // Kale's expose_as_env_var: set on each step's container, as Kale's set_env_variable does.
  const volumeEnv = claimMountEnv(claims);
  const securityContext = securityContextOf(pipeline, out);
  if (securityContext) {
    out.info(
      'kubeflow_notebook.security_context is set as the securityContext of each task: Kubeflow Pipelines 2.16 or later applies it; ' +
        'older servers refuse the run with "unknown field securityContext". Upgrade KFP, or set enabled: false in the notebook\'s security_context.',
      null,
      'security-context-kfp-version'
    );
  }
  // kfp-kubernetes' SecurityContext: int64 ids, which protobuf JSON writes as strings (as the KFP SDK does).
  const securityContextSpec = securityContext
    ? {
        securityContext: {
          runAsUser: String(securityContext.runAsUser),
          runAsGroup: String(securityContext.runAsGroup),
          runAsNonRoot: securityContext.runAsNonRoot
        }
      }
    : {};
  const identityEnv = securityContext ? [{ ...SECURITY_CONTEXT_HOME }] : [];
  /** Where the pod may run, its volumes, and whom it runs as: the platform config of the setup task and every step. */
  const placement = (config: Json): Json => ({
    ...config,
    ...securityContextSpec,
    pvcMount: [pvcMount(volume), ...extraMounts],
    ...(options.nodeSelector && Object.keys(options.nodeSelector).length ? { nodeSelector: { labels: { ...options.nodeSelector } } } : {}),
    ...(options.tolerations?.length ? { tolerations: options.tolerations.map(t => ({ ...t })) } : {})
  });

  /** A task of the setup: a Python source run with the data folder as its argument, after the claim exists. */
  const setupTask = (task: string, source: string, dependentTasks: string[]): void => {
    components[componentName(task)] = { executorLabel: executorName(task) };
    executors[executorName(task)] = {
      container: {
        image: setupRuntime.image,
        command: [python, '-c', checkArgument(source, `the task ${task}`, out)],
        args: [DATA_DIR],
        ...(identityEnv.length ? { env: identityEnv } : {})
      }
    };
    tasks[task] = {
      taskInfo: { name: task },
      componentRef: { name: componentName(task) },
      cachingOptions: noCache,
      ...(dependentTasks.length ? { dependentTasks } : {})
    };
  };
  // The runtime file and the step scripts, packed once for the setup task (and part tasks) to write.
  const [firstPart, ...laterParts] = packStepScripts(compileStepScripts(pipeline), gzip);
  const partTasks = laterParts.map((part, i) => {
    const task = kfpSetupPartTask(i + 2);
    setupTask(task, payloadPartScript(i + 2, part), claimDependency);
    platformExecutors[executorName(task)] = placement({});
    return task;
  });
  setupTask(KFP_SETUP_TASK, setupScript({ firstPart, parts: 1 + laterParts.length }, environments), [...claimDependency, ...partTasks]);
  platformExecutors[executorName(KFP_SETUP_TASK)] = placement(
    environments.sets.length
      ? {
          // The package index secret's keys as pip's env vars, each optional; the compiled file names the secret only.
          ...(environments.secret
            ? {
                secretAsEnv: INDEX_SECRET_KEYS.map(({ key, env }) => ({
                  secretName: environments.secret,
                  keyToEnv: [{ secretKey: key, envVar: env }],
                  optional: true
                }))
              }
            : {}),
          // What the setup installs, readable before submitting: JSON {id: [requirements]}.
          podMetadata: { annotations: { [ENVIRONMENTS_ANNOTATION]: safeJson(environmentsSummary(environments)) } }
        }
      : {}
  );
  const inputDefinitions = parameters.length
    ? {
        parameters: Object.fromEntries(parameters.map(p => [p.name, { parameterType: p.type, defaultValue: p.defaultValue, isOptional: true }]))
      }
    : undefined;
  /**
   * A component running a step's script through the completion guard, its executor and platform
   * config: the step itself, or a fan-out step's item (fanOut.ts). `guardOptions` go before the
   * guard's arguments, `env` after the step's own.
   */
  const stepComponent = (
    name: string,
    step: PipelineStep,
    config: ReturnType<typeof podConfig>,
    run: { guardOptions: string[]; env: Array<{ name: string; value: string }>; inputs?: Json; outputs?: Json }
  ): void => {
    components[componentName(name)] = {
      executorLabel: executorName(name),
      ...(run.inputs ? { inputDefinitions: { parameters: run.inputs } } : {}),
      outputDefinitions: {
        ...(run.outputs ? { parameters: run.outputs } : {}),
        artifacts: { [KFP_OUTPUTS_PAGE_ARTIFACT]: { artifactType: { schemaTitle: 'system.HTML', schemaVersion: '0.0.1' } } }
      }
    };
    const resourceSpec = resources(step, config.limits, out);
    const environment = environments.byStep.get(step.id);
    executors[executorName(name)] = {
      container: {
        image: config.image,
        // The guard runs the script with the arguments after its step folder and outputs page (completionGuard.ts).
        command: [python, '-c', COMPLETION_GUARD],
        args: [
          ...run.guardOptions,
          stepScriptPath(step.id),
          step.id,
          `{{$.outputs.artifacts['${KFP_OUTPUTS_PAGE_ARTIFACT}'].path}}`,
          DATA_DIR,
          ...parameters.flatMap(p => [p.name, p.kind, `{{$.inputs.parameters['${p.name}']}}`])
        ],
        ...(resourceSpec ? { resources: resourceSpec } : {}),
        // Events go to a file on the volume, not the log; its imports resolve in the environment
        // the setup task installed (PipelineContainerSpec.env).
        env: [
          ...identityEnv,
          ...volumeEnv,
          { name: RUNTIME_ENV.events, value: podEventsFile(step.id) },
          // The outputs document, and so the page the KFP UI renders whole, stays as small as on Argo.
          { name: RUNTIME_ENV.outputsLimit, value: String(CLUSTER_CELL_OUTPUTS_LIMIT) },
          ...(environment ? [{ name: 'PYTHONPATH', value: environmentPath(environment) }] : []),
          ...(step.serve ? [KFP_MODELS_ENV] : []),
          ...run.env
        ]
      }
    };
    const annotations = { ...config.annotations, ...(environment ? { [ENVIRONMENT_ANNOTATION]: environment } : {}) };
    const podMetadata = {
      ...(Object.keys(config.labels).length ? { labels: config.labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {})
    };
    platformExecutors[executorName(name)] = placement({
      ...(config.secrets.length
        ? { secretAsEnv: config.secrets.map(s => ({ secretName: s.name, keyToEnv: [{ secretKey: s.key, envVar: s.env }] })) }
        : {}),
      ...(Object.keys(podMetadata).length ? { podMetadata } : {}),
      ...(config.timeoutSeconds ? { activeDeadlineSeconds: String(config.timeoutSeconds) } : {})
    });
  };
  const retryPolicy = (retries: number | null): Json => (retries ? { retryPolicy: { maxRetryCount: retries } } : {});
  const parameterInputs = parameters.length
    ? { parameters: Object.fromEntries(parameters.map(p => [p.name, { componentInputParameter: p.name }])) }
    : undefined;
  for (const step of pipeline.steps) {
    const config = podConfig(pipeline, step, options, out);
    const lists = itemListOutputDefinitions(step);
    stepComponent(step.id, step, config, {
      guardOptions: itemListGuardOptions(step),
      // A fan-out step's own component is its gather; its items run the item component.
      env: step.fanOut ? [{ name: RUNTIME_ENV.gather, value: '1' }] : [],
      inputs: inputDefinitions?.parameters,
      outputs: Object.keys(lists).length ? lists : undefined
    });
    if (step.distributed) {
      // The workers mount what the step's pod mounts; the launcher takes the claims' names from its own pod (a fresh claim's is KFP's).
      const mounts = [{ claim: 'existingClaim' in volume ? volume.existingClaim : 'cellpipe-data', mountPath: DATA_MOUNT_PATH }, ...claims];
      const container = (executors[executorName(step.id)] as { container: Parameters<typeof kfpDistributedContainer>[0] }).container;
      executors[executorName(step.id)] = kfpDistributedContainer(container, step, config, mounts, python, distributed, securityContext);
      delete (components[componentName(step.id)] as Json).outputDefinitions;
    }
    if (step.serve) {
      const serve = kfpServe(step, config.image, python, DATA_DIR);
      components[componentName(serve.name)] = { executorLabel: executorName(serve.name) };
      executors[executorName(serve.name)] = serve.executor;
      platformExecutors[executorName(serve.name)] = placement({});
      tasks[serve.name] = {
        taskInfo: { name: serve.name },
        componentRef: { name: componentName(serve.name) },
        cachingOptions: noCache,
        dependentTasks: [step.id]
      };
    }
    let dependentTasks = step.dependsOn.length ? [...step.dependsOn] : [KFP_SETUP_TASK];
    if (step.fanOut) {
      const typed = Object.fromEntries(parameters.map(p => [p.name, { parameterType: p.type }]));
      stepComponent(itemTaskName(step.id), step, config, { guardOptions: ITEM_GUARD_OPTIONS, env: [], inputs: itemInputDefinitions(typed) });
      const loop = fanOutLoop(pipeline, step, typed, dependentTasks, componentName, retryPolicy(config.retries));
      components[componentName(itemsTaskName(step.id))] = loop.component;
      tasks[itemsTaskName(step.id)] = loop.task;
      dependentTasks = [itemsTaskName(step.id)];
    }
    tasks[step.id] = {
      taskInfo: { name: step.id },
      componentRef: { name: componentName(step.id) },
      cachingOptions: noCache,
      dependentTasks,
      ...(parameterInputs ? { inputs: parameterInputs } : {}),
      ...retryPolicy(config.retries)
    };
  }
  if (freshClaim) {
    const needed = new Set(pipeline.steps.flatMap(s => s.dependsOn));
    tasks[KFP_DELETE_PVC_TASK] = {
      taskInfo: { name: KFP_DELETE_PVC_TASK },
      componentRef: { name: componentName(KFP_DELETE_PVC_TASK) },
      cachingOptions: noCache,
      dependentTasks: [KFP_CREATE_PVC_TASK, ...pipeline.steps.filter(s => !needed.has(s.id)).map(s => s.id)],
      inputs: { parameters: { pvc_name: { taskOutputParameter: { producerTask: KFP_CREATE_PVC_TASK, outputParameterKey: 'name' } } } }
    };
  }

  for (const [what, text] of [
    ['pipeline name', pipeline.name],
    ['pipeline description', pipeline.description ?? '']
  ]) {
    if (hasTemplateSyntax(text)) {
      out.error(
        `the ${what} ${JSON.stringify(text)} contains '{{' or '$(', which Kubeflow Pipelines (run by Argo) would substitute; remove them from the notebook settings`,
        null,
        'template-syntax'
      );
    }
  }
  const pipelineSpec: Json = {
    pipelineInfo: {
      name: dnsLabel(options.name ?? pipeline.name, 63),
      ...(pipeline.description ? { description: pipeline.description } : {}),
      displayName: pipeline.name
    },
    sdkVersion: 'cellpipe',
    schemaVersion: KFP_SCHEMA_VERSION,
    deploymentSpec: { executors },
    components,
    root: { ...(inputDefinitions ? { inputDefinitions } : {}), dag: { tasks } }
  };
  const platformSpec: Json = { platforms: { kubernetes: { deploymentSpec: { executors: platformExecutors } } } };
  return { pipelineSpec, platformSpec, diagnostics: out.list };
}

/** KFP documents of a pipeline; throws ClusterCompileError when there are errors. */
export function compileKfpPipeline(pipeline: Pipeline, options: KfpOptions = {}): KfpPipeline {
  const result = compileKfp(pipeline, options);
  return orThrow(result, result.diagnostics);
}
