/**
 * The Kubernetes side of a step's configuration tags and the pipeline's volume, checked: every
 * value that would make the cluster reject the run, or that Argo would read as a template,
 * becomes an error diagnostic on the step's first cell saying what to change.
 */
import type { NotebookSettings } from '../../notebook';
import type { CompileDiagnostics } from './diagnostics';
import type { Pipeline, PipelineStep } from '../../pipeline';
import { hasArgoTemplateSyntax } from './argoSafe';
import { imageReferenceProblem } from './imageReference';
import { durationSeconds, isDnsSubdomain, isLabelValue, isQualifiedName, isQuantity } from './kubernetesNames';
import { ACCESS_MODES, DEFAULT_STEP_IMAGE, DEFAULT_VOLUME_SIZE, type AccessMode, type ClusterOptions, type VolumeOptions } from './options';

export interface PodConfig {
  image: string;
  limits: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  secrets: Array<{ env: string; name: string; key: string }>;
  retries: number | null;
  timeoutSeconds: number | null;
}

/** The step's image, resources, metadata and secrets as a pod takes them; problems go to `out`. */
export function podConfig(pipeline: Pipeline, step: PipelineStep, options: ClusterOptions, out: CompileDiagnostics): PodConfig {
  const cell = step.cells[0] ?? null;
  const where = `step ${JSON.stringify(step.name)}`;
  const config = step.config;
  const image = config.image ?? pipeline.settings.image ?? options.image ?? DEFAULT_STEP_IMAGE;
  const imageProblem = imageReferenceProblem(image);
  if (imageProblem) {
    out.error(`${where}: image ${JSON.stringify(image)} is not an image reference (${imageProblem}); write e.g. image:python:3.12`, cell);
  }
  for (const [resource, value] of Object.entries(config.limits)) {
    if (!isQualifiedName(resource)) {
      out.error(`${where}: limit:${resource}:... names no Kubernetes resource; use e.g. cpu, memory, nvidia.com/gpu`, cell);
    }
    if (!isQuantity(value)) {
      out.error(`${where}: limit:${resource}:${value} is not a Kubernetes quantity; write e.g. 2, 500m, 4Gi`, cell);
    }
  }
  for (const [kind, entries] of [
    ['label', config.labels],
    ['annotation', config.annotations]
  ] as const) {
    for (const [key, value] of Object.entries(entries)) {
      if (!isQualifiedName(key)) {
        out.error(
          `${where}: ${kind} key ${JSON.stringify(key)} is not a Kubernetes key; use letters, digits, '-', '_', '.', an optional prefix/`,
          cell
        );
      }
      if (kind === 'label' && !isLabelValue(value)) {
        out.error(`${where}: label value ${JSON.stringify(value)} is not valid: at most 63 letters, digits, '-', '_', '.'`, cell);
      }
      if (hasArgoTemplateSyntax(value)) {
        out.error(`${where}: ${kind} value ${JSON.stringify(value)} contains '{{', which Argo would read as a template; remove it`, cell);
      }
    }
  }
  for (const secret of config.secrets) {
    if (secret.env.startsWith('CELLPIPE_')) {
      out.error(`${where}: secret:...:${secret.env}: env vars starting with CELLPIPE_ are cellpipe's own; choose another name`, cell);
    }
    if (!isDnsSubdomain(secret.name) || !/^[-._a-zA-Z0-9]+$/.test(secret.key)) {
      out.error(
        `${where}: secret:${secret.name}:${secret.key}:${secret.env} does not name a Kubernetes secret and key (lowercase name; key of letters, digits, '-', '_', '.')`,
        cell
      );
    }
  }
  const timeoutSeconds = config.timeout === null ? null : durationSeconds(config.timeout);
  if (config.timeout !== null && !timeoutSeconds) {
    out.error(`${where}: timeout:${config.timeout} is not a positive duration; write e.g. timeout:90s, timeout:1h30m`, cell);
  }
  return {
    image,
    limits: { ...config.limits },
    labels: { ...config.labels },
    annotations: { ...config.annotations },
    secrets: config.secrets.map(s => ({ env: s.env, name: s.name, key: s.key })),
    retries: config.retry,
    timeoutSeconds: timeoutSeconds || null
  };
}

/** The data volume: options first, then the notebook's volume settings. */
export function resolveVolume(settings: NotebookSettings, options: ClusterOptions, out: CompileDiagnostics): VolumeOptions {
  const volume: VolumeOptions =
    options.volume ??
    (settings.volume.claim !== null
      ? { existingClaim: settings.volume.claim }
      : {
          size: settings.volume.size ?? DEFAULT_VOLUME_SIZE,
          storageClass: settings.volume.storageClass,
          accessMode: (settings.volume.accessMode ?? 'ReadWriteOnce') as AccessMode
        });
  if ('existingClaim' in volume) {
    if (!isDnsSubdomain(volume.existingClaim)) {
      out.error(`the volume claim ${JSON.stringify(volume.existingClaim)} is not a valid claim name (lowercase letters, digits, '-', '.')`);
    }
    return volume;
  }
  if (!isQuantity(volume.size)) {
    out.error(
      `the volume size ${JSON.stringify(volume.size)} is not a Kubernetes quantity; write e.g. 5Gi in the notebook's cellpipe volume settings`
    );
  }
  if (!ACCESS_MODES.includes(volume.accessMode)) {
    out.error(`the volume access mode ${JSON.stringify(volume.accessMode)} is not one of ${ACCESS_MODES.join(', ')}`);
  }
  if (volume.storageClass !== null && !isDnsSubdomain(volume.storageClass)) {
    out.error(`the storage class ${JSON.stringify(volume.storageClass)} is not a valid storage class name`);
  }
  return volume;
}

/** Whether two steps may run at the same time: some pair of steps neither of which needs the other. */
export function hasParallelSteps(steps: readonly PipelineStep[]): boolean {
  const ancestors = new Map<string, Set<string>>();
  for (const step of steps) {
    const mine = new Set<string>();
    for (const dep of step.dependsOn) {
      mine.add(dep);
      for (const a of ancestors.get(dep) ?? []) {
        mine.add(a);
      }
    }
    ancestors.set(step.id, mine);
  }
  // Steps are in notebook order, a topological order: the DAG is one chain iff each step follows its predecessor.
  return steps.some((step, i) => i > 0 && !ancestors.get(step.id)!.has(steps[i - 1].id));
}

/** The warning cluster targets give for a ReadWriteOnce volume under parallel branches. */
export function warnReadWriteOnce(pipeline: Pipeline, volume: VolumeOptions, out: CompileDiagnostics, withEnvironments = false): void {
  if ('accessMode' in volume && volume.accessMode !== 'ReadWriteMany' && hasParallelSteps(pipeline.steps)) {
    out.warning(
      `the pipeline has parallel branches but its volume is ${volume.accessMode}: a ${volume.accessMode} volume attaches to one node, ` +
        'so parallel steps scheduled on other nodes wait or fail. Set the volume access mode to ReadWriteMany ' +
        '(a storage class that supports it), or keep the run on one node.' +
        (withEnvironments
          ? ' The step environments add no mounting of their own: the setup task installs them on the same volume before any step starts.'
          : ''),
      null,
      'volume-read-write-once'
    );
  }
}
