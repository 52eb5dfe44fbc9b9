/**
 * Pipeline IR -> Argo Workflow (or WorkflowTemplate). One DAG task per step, with the inferred
 * edges as `dependencies`; each step a `script` template running its step script from the data
 * volume (argo/stepLauncher.ts). See argo/labels.ts for the names a backend relies on, and
 * cluster/stepPayload.ts and cluster/setupScript.ts for how the setup task writes the runtime file
 * and the step scripts there, stored once in the Workflow, compressed.
 */
import type { Diagnostic } from '../../notebook';
import type { Pipeline, PipelineStep } from '../../pipeline';
import { claimMountEnv, claimMounts } from '../cluster/claimMounts';
import { dnsLabel, isLabelValue, isQualifiedName } from '../cluster/kubernetesNames';
import { DATA_MOUNT_PATH, DEFAULT_STEP_IMAGE, type VolumeOptions } from '../cluster/options';
import { checkParameterNames, safeJson } from '../cluster/parameters';
import { checkObjectSize, CompileDiagnostics, orThrow } from '../cluster/diagnostics';
import { podConfig, resolveVolume, warnReadWriteOnce } from '../cluster/podConfig';
import { SECURITY_CONTEXT_HOME, securityContextOf } from '../cluster/securityContext';
import { payloadPartScript, setupScript } from '../cluster/setupScript';
import { packStepScripts, type Gzip } from '../cluster/stepPayload';
import {
  ENVIRONMENT_ANNOTATION,
  ENVIRONMENTS_ANNOTATION,
  environmentPath,
  environmentsSummary,
  INDEX_SECRET_KEYS,
  planEnvironments,
  reportEnvironments,
  type EnvironmentPlan
} from '../cluster/environments';
import { CELL_OUTPUTS_FILE, CELL_OUTPUTS_PARAMETER, podEventsFile, RESULT_PARAMETER, RUNTIME_ENV, STEP_RESULT_FILE } from '../runtime/contract';
import { compileStepScripts } from '../stepScript';
import { argoCellOutputsLimit } from './cellOutputsLimit';
import { ARGO_DATA_VOLUME, ARGO_ENTRYPOINT, ARGO_LABELS, ARGO_SETUP_TASK, argoSetupPartTask } from './labels';
import { fanOutItems, itemListOutputs } from './fanOut';
import { stepLauncherSource } from './stepLauncher';
import { distributedTemplate, servedStepEnv, serveTemplateAndTask } from './launchers';
import { checkDistributedVolume, checkServedModelsClaim, distributedResourceOf } from '../cluster/distributedDiagnostics';
import type { DistributedResource } from '../cluster/launcherScript';
import type { ArgoOptions } from './options';
import type { ArgoEnvVar, ArgoPodSecurityContext, ArgoTemplate, ArgoVolume, ArgoVolumeMount, ArgoWorkflow, ArgoWorkflowSpec } from './types';

/** Longest generateName prefix: Kubernetes appends 5 characters and a name has at most 63. */
export const MAX_GENERATE_NAME = 58;

export interface ArgoCompileResult {
  workflow: ArgoWorkflow;
  /** Warnings (e.g. a ReadWriteOnce volume under parallel branches) and errors. */
  diagnostics: Diagnostic[];
}

function dataVolume(volume: VolumeOptions, options: ArgoOptions): Partial<ArgoWorkflowSpec> {
  if ('existingClaim' in volume) {
    return { volumes: [{ name: ARGO_DATA_VOLUME, persistentVolumeClaim: { claimName: volume.existingClaim } }] };
  }
  return {
    volumeClaimTemplates: [
      {
        metadata: { name: ARGO_DATA_VOLUME },
        spec: {
          accessModes: [volume.accessMode],
          resources: { requests: { storage: volume.size } },
          ...(volume.storageClass !== null ? { storageClassName: volume.storageClass } : {})
        }
      }
    ],
    volumeClaimGC: { strategy: options.volumeClaimGC ?? 'OnWorkflowSuccess' }
  };
}

/** Extra volumes of the notebook settings (existing claims) mounted into every step, and the variables naming their paths. */
function settingsMounts(pipeline: Pipeline, out: CompileDiagnostics): { volumes: ArgoVolume[]; mounts: ArgoVolumeMount[]; env: ArgoEnvVar[] } {
  const claims = claimMounts(pipeline, out);
  const name = (i: number): string => `cellpipe-mount-${i + 1}`;
  return {
    volumes: claims.map((mount, i) => ({ name: name(i), persistentVolumeClaim: { claimName: mount.claim } })),
    mounts: claims.map((mount, i) => ({ name: name(i), mountPath: mount.mountPath })),
    env: claimMountEnv(claims)
  };
}

function checkMap(what: string, map: Record<string, string> | undefined, out: CompileDiagnostics): Record<string, string> | undefined {
  for (const [key, value] of Object.entries(map ?? {})) {
    if (!isQualifiedName(key) || !isLabelValue(value)) {
      out.error(`${what} ${JSON.stringify(key)}: ${JSON.stringify(value)} is not a valid Kubernetes label`);
    }
  }
  return map && Object.keys(map).length ? { ...map } : undefined;
}

/**
 * The run's parameter values as the one JSON object the runtime reads (CELLPIPE_PARAMETERS):
 * Argo substitutes each workflow parameter, which holds JSON text, as a member's value. The names
 * are ASCII identifiers (checkParameterNames), so they need no escaping.
 */
export function parametersObject(pipeline: Pipeline): string {
  return `{${pipeline.parameters.map(p => `${JSON.stringify(p.name)}: {{workflow.parameters.${p.name}}}`).join(', ')}}`;
}

/** Env every pod gets: the run's data folder and, for steps, the run's parameter values. */
function baseEnv(pipeline: Pipeline, withParameters: boolean): ArgoEnvVar[] {
  const env: ArgoEnvVar[] = [{ name: RUNTIME_ENV.dataDir, value: `${DATA_MOUNT_PATH}/{{workflow.name}}` }];
  if (withParameters && pipeline.parameters.length) {
    env.push({ name: RUNTIME_ENV.parameters, value: parametersObject(pipeline) });
  }
  return env;
}

/**
 * A step's outputs: the runtime's result document (metrics, and where the user's code raised) and
 * what its cells showed, which Argo keeps in the node's status, where the backend reads them
 * without access to the volume.
 */
export function stepOutputs(stepId: string): NonNullable<ArgoTemplate['outputs']> {
  const folder = `${DATA_MOUNT_PATH}/{{workflow.name}}/${stepId}`;
  return {
    parameters: [
      { name: RESULT_PARAMETER, valueFrom: { path: `${folder}/${STEP_RESULT_FILE}`, default: '{}' } },
      // What its cells showed (CELL_OUTPUTS_FILE, kept under the step's CELLPIPE_OUTPUTS_LIMIT by the runtime: cellOutputsLimit.ts).
      { name: CELL_OUTPUTS_PARAMETER, valueFrom: { path: `${folder}/${CELL_OUTPUTS_FILE}`, default: '' } }
    ]
  };
}

function stepTemplate(pipeline: Pipeline, step: PipelineStep, shared: SharedPod, options: ArgoOptions, out: CompileDiagnostics): ArgoTemplate {
  const config = podConfig(pipeline, step, options, out);
  const env = [...baseEnv(pipeline, true), ...shared.identityEnv, ...shared.volumeEnv];
  for (const secret of config.secrets) {
    env.push({ name: secret.env, valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } });
  }
  env.push({ name: RUNTIME_ENV.events, value: podEventsFile(step.id) });
  env.push({ name: RUNTIME_ENV.outputsLimit, value: String(shared.cellOutputsLimit) });
  const environment = shared.environments.byStep.get(step.id);
  const annotations = { ...config.annotations, ...(environment ? { [ENVIRONMENT_ANNOTATION]: environment } : {}) };
  if (environment) {
    // Its imports resolve in the environment the setup task installed; nothing is installed here.
    env.push({ name: 'PYTHONPATH', value: environmentPath(environment) });
  }
  if (step.serve) {
    env.push(...servedStepEnv());
  }
  const template: ArgoTemplate = {
    name: step.id,
    metadata: {
      labels: { ...config.labels, ...shared.labels, [ARGO_LABELS.role]: 'step', [ARGO_LABELS.stepId]: step.id },
      ...(Object.keys(annotations).length ? { annotations } : {})
    },
    script: {
      image: config.image,
      command: [options.python ?? 'python3'],
      source: stepLauncherSource(step.id),
      env,
      ...(Object.keys(config.limits).length ? { resources: { limits: config.limits } } : {}),
      volumeMounts: shared.mounts
    },
    outputs: { parameters: [...stepOutputs(step.id).parameters, ...itemListOutputs(step)] }
  };
  if (step.fanOut) {
    // This template is the gather (fanOut.ts); the items run a copy of it without this variable.
    template.script!.env = [...env, { name: RUNTIME_ENV.gather, value: '1' }];
  }
  if (config.retries) {
    template.retryStrategy = { limit: String(config.retries), retryPolicy: 'Always' };
  }
  if (config.timeoutSeconds) {
    template.activeDeadlineSeconds = String(config.timeoutSeconds);
  }
  if (step.distributed) {
    const python = options.python ?? 'python3';
    return withPlacement(
      distributedTemplate(template, step, config, shared.volumes, shared.securityContext, python, shared.distributed),
      options,
      shared
    );
  }
  return withPlacement(template, options, shared);
}

/** What a step's task (or a fan-out step's items) waits for: the steps it depends on, which waited for setup, or setup. */
function afterSetup(step: PipelineStep): string[] {
  return step.dependsOn.length ? [...step.dependsOn] : [ARGO_SETUP_TASK];
}

/** A fan-out step's template without the gather's variable: what its items run. */
function withoutGather(template: ArgoTemplate): ArgoTemplate {
  return { ...template, script: { ...template.script!, env: (template.script!.env ?? []).filter(e => e.name !== RUNTIME_ENV.gather) } };
}

/** Where the pod may run (options) and whom it runs as (the notebook's security context). */
function withPlacement(template: ArgoTemplate, options: ArgoOptions, shared: SharedPod): ArgoTemplate {
  if (options.nodeSelector && Object.keys(options.nodeSelector).length) {
    template.nodeSelector = { ...options.nodeSelector };
  }
  if (options.tolerations?.length) {
    template.tolerations = options.tolerations.map(t => ({ ...t }));
  }
  if (shared.securityContext) {
    template.securityContext = { ...shared.securityContext };
  }
  return template;
}

interface SharedPod {
  labels: Record<string, string>;
  mounts: ArgoVolumeMount[];
  /** What a step's container declares for the exposed volumes: a pod sees no other pod's environment. */
  volumeEnv: ArgoEnvVar[];
  environments: EnvironmentPlan;
  securityContext: ArgoPodSecurityContext | null;
  /** HOME when a security context applies (SECURITY_CONTEXT_HOME), for the steps and the setup task. */
  identityEnv: ArgoEnvVar[];
  /** CELLPIPE_OUTPUTS_LIMIT of every step (cellOutputsLimit.ts). */
  cellOutputsLimit: number;
  /** The Workflow's claim volumes (a distributed step's workers mount them too) and what runs its workers. */
  volumes: ArgoVolume[];
  distributed: DistributedResource;
}

/** Env of the setup pod: the data folder, and the package index secret's keys as pip's env vars (by name only). */
function setupEnv(pipeline: Pipeline, environments: EnvironmentPlan, identityEnv: ArgoEnvVar[]): ArgoEnvVar[] {
  const env = [...baseEnv(pipeline, false), ...identityEnv];
  if (environments.sets.length && environments.secret) {
    for (const { key, env: name } of INDEX_SECRET_KEYS) {
      env.push({ name, valueFrom: { secretKeyRef: { name: environments.secret, key, optional: true } } });
    }
  }
  return env;
}

/**
 * Compiles a pipeline to an Argo Workflow (WorkflowTemplate with options.template), with the
 * diagnostics found on the way. The Workflow is returned even with errors; compileArgoWorkflow
 * throws instead. `gzip` packs the step payload (default: the core's).
 *
 * Names: the DAG task and the template of a step are both named by its step id (a DNS-1123
 * label, unique): backends rely on that to map Argo nodes to steps.
 */
export function compileArgo(pipeline: Pipeline, options: ArgoOptions = {}, gzip?: Gzip): ArgoCompileResult {
  const out = new CompileDiagnostics();
  checkParameterNames(pipeline.parameters, out);
  const volume = resolveVolume(pipeline.settings, options, out);
  const setupRuntime = { image: pipeline.settings.image ?? options.image ?? DEFAULT_STEP_IMAGE, python: options.python ?? 'python3' };
  const environments = planEnvironments(pipeline, setupRuntime, out);
  warnReadWriteOnce(pipeline, volume, out, environments.sets.length > 0);
  reportEnvironments(pipeline, environments, volume, setupRuntime, step => step.config.image ?? setupRuntime.image, out);
  checkDistributedVolume(pipeline, volume, out);
  checkServedModelsClaim(pipeline, volume, out);
  const extra = settingsMounts(pipeline, out);
  const securityContext = securityContextOf(pipeline, out);
  const { volumes: dataVolumes = [], ...claimSpec } = dataVolume(volume, options);
  const volumes = [...dataVolumes, ...extra.volumes];
  const pipelineLabel = dnsLabel(pipeline.name, 63);
  const shared: SharedPod = {
    labels: { [ARGO_LABELS.pipeline]: pipelineLabel },
    mounts: [{ name: ARGO_DATA_VOLUME, mountPath: DATA_MOUNT_PATH }, ...extra.mounts],
    volumeEnv: extra.env,
    environments,
    securityContext,
    identityEnv: securityContext ? [{ ...SECURITY_CONTEXT_HOME }] : [],
    cellOutputsLimit: argoCellOutputsLimit(pipeline),
    volumes,
    distributed: distributedResourceOf(pipeline, out)
  };
  if (options.nodeSelector) {
    checkMap('node selector', options.nodeSelector, out);
  }
  const workflowLabels = checkMap('label', options.labels, out);

  // The runtime file and the step scripts, packed once for the setup task (and part tasks) to write.
  const [firstPart, ...laterParts] = packStepScripts(compileStepScripts(pipeline), gzip);
  const setupPod = (name: string, source: string, env: ArgoEnvVar[], annotations?: Record<string, string>): ArgoTemplate =>
    withPlacement(
      {
        name,
        metadata: { labels: { ...shared.labels, [ARGO_LABELS.role]: 'setup' }, ...(annotations ? { annotations } : {}) },
        script: {
          image: setupRuntime.image,
          command: [setupRuntime.python],
          source,
          env,
          volumeMounts: shared.mounts
        }
      },
      options,
      shared
    );
  const partTemplates = laterParts.map((part, i) =>
    setupPod(argoSetupPartTask(i + 2), payloadPartScript(i + 2, part), [...baseEnv(pipeline, false), ...shared.identityEnv])
  );
  const setup = setupPod(
    ARGO_SETUP_TASK,
    setupScript({ firstPart, parts: 1 + laterParts.length }, environments),
    setupEnv(pipeline, environments, shared.identityEnv),
    // What the setup installs, readable before submitting: JSON {id: [requirements]}, with no '{{' for Argo to read.
    environments.sets.length ? { [ENVIRONMENTS_ANNOTATION]: safeJson(environmentsSummary(environments)) } : undefined
  );
  const stepTemplates = pipeline.steps.map(step => stepTemplate(pipeline, step, shared, options, out));
  const serves = pipeline.steps.flatMap((step, i) => (step.serve ? [serveTemplateAndTask(stepTemplates[i], step)] : []));
  const fanOuts = new Map(
    pipeline.steps.flatMap((step, i) =>
      step.fanOut ? [[step.id, fanOutItems(pipeline, step, withoutGather(stepTemplates[i]), afterSetup(step))] as const] : []
    )
  );
  const dag: ArgoTemplate = {
    name: ARGO_ENTRYPOINT,
    dag: {
      tasks: [
        ...partTemplates.map(part => ({ name: part.name, template: part.name })),
        {
          name: ARGO_SETUP_TASK,
          template: ARGO_SETUP_TASK,
          ...(partTemplates.length ? { dependencies: partTemplates.map(part => part.name) } : {})
        },
        ...pipeline.steps.flatMap(step => {
          const fanOut = fanOuts.get(step.id);
          return fanOut
            ? [fanOut.task, { name: step.id, template: step.id, dependencies: [fanOut.task.name] }]
            : [{ name: step.id, template: step.id, dependencies: afterSetup(step) }];
        }),
        ...serves.map(serve => serve.task)
      ]
    }
  };
  const spec: ArgoWorkflowSpec = {
    entrypoint: ARGO_ENTRYPOINT,
    ...(pipeline.parameters.length
      ? {
          arguments: {
            parameters: pipeline.parameters.map(p => ({
              name: p.name,
              value: safeJson(p.default),
              description: `JSON value (${p.type} in the notebook): numbers as 1.5, booleans true or false, strings in double quotes`
            }))
          }
        }
      : {}),
    ...(options.serviceAccount ? { serviceAccountName: options.serviceAccount } : {}),
    ...claimSpec,
    ...(volumes.length ? { volumes } : {}),
    // Pods of failed steps stay, and with them their logs.
    podGC: { strategy: 'OnPodSuccess' },
    templates: [
      dag,
      ...partTemplates,
      setup,
      ...stepTemplates,
      ...[...fanOuts.values()].flatMap(fanOut => fanOut.templates),
      ...serves.map(serve => serve.template)
    ]
  };
  const name = dnsLabel(options.name ?? pipeline.name, options.template ? 63 : MAX_GENERATE_NAME - 1);
  const workflow: ArgoWorkflow = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: options.template ? 'WorkflowTemplate' : 'Workflow',
    metadata: {
      ...(options.template ? { name } : { generateName: `${name}-` }),
      ...(options.namespace ? { namespace: options.namespace } : {}),
      labels: { ...workflowLabels, [ARGO_LABELS.pipeline]: pipelineLabel }
    },
    spec
  };
  if (options.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.namespace)) {
    out.error(`namespace ${JSON.stringify(options.namespace)} is not a valid namespace name`);
  }
  checkObjectSize(options.template ? 'WorkflowTemplate' : 'Workflow', workflow, out);
  return { workflow, diagnostics: out.list };
}

/** The Workflow of a pipeline; throws ClusterCompileError when it has errors. */
export function compileArgoWorkflow(pipeline: Pipeline, options: ArgoOptions = {}): ArgoWorkflow {
  const { workflow, diagnostics } = compileArgo(pipeline, options);
  return orThrow(workflow, diagnostics);
}
