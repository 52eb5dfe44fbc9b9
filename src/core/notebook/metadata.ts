import { diagnostic } from './diagnostic';
import { isRecord } from './parse';
import type { Diagnostic, NotebookSettings, SecurityContext, VolumeMount } from './types';

/** Kale's `volume_access_mode` short forms. */
const KALE_ACCESS_MODES: Record<string, string> = {
  rwo: 'ReadWriteOnce',
  rwm: 'ReadWriteMany',
  rox: 'ReadOnlyMany'
};

/** Reads typed values out of one metadata object, reporting values of the wrong type. */
class MetadataReader {
  constructor(
    readonly source: Record<string, unknown>,
    private readonly prefix: string,
    private readonly diagnostics: Diagnostic[]
  ) {}

  private wrongType(key: string, expected: string, instead = 'it is ignored'): null {
    this.diagnostics.push(
      diagnostic(
        'warning',
        'invalid-metadata',
        `Notebook metadata ${this.prefix}.${key} should be ${expected}; ${instead}. Fix it in the cellpipe sidebar or the notebook metadata editor.`,
        null
      )
    );
    return null;
  }

  /** Warns about keys other than `known`: a misspelt key would otherwise fall back to a default unseen. */
  onlyKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.source).filter(k => !known.includes(k))) {
      this.diagnostics.push(
        diagnostic(
          'warning',
          'invalid-metadata',
          `Notebook metadata ${this.prefix}.${key} is not a known key; it is ignored. Use one of ${known.join(', ')}.`,
          null
        )
      );
    }
  }

  string(key: string): string | null {
    const value = this.source[key];
    if (value === undefined || value === null || value === '') {
      return null;
    }
    if (typeof value === 'number') {
      return String(value);
    }
    return typeof value === 'string' ? value : this.wrongType(key, 'a string');
  }

  boolean(key: string, instead?: string): boolean | null {
    const value = this.source[key];
    if (value === undefined || value === null) {
      return null;
    }
    return typeof value === 'boolean' ? value : this.wrongType(key, 'true or false', instead);
  }

  /** A whole number, 0 or more (a user or group id). */
  id(key: string, instead?: string): number | null {
    const value = this.source[key];
    if (value === undefined || value === null) {
      return null;
    }
    return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : this.wrongType(key, 'a whole number, 0 or more', instead);
  }

  record(key: string): Record<string, unknown> | null {
    const value = this.source[key];
    if (value === undefined || value === null) {
      return null;
    }
    return isRecord(value) ? value : this.wrongType(key, 'an object');
  }

  list(key: string): unknown[] | null {
    const value = this.source[key];
    if (value === undefined || value === null) {
      return null;
    }
    return Array.isArray(value) ? value : this.wrongType(key, 'a list');
  }

  strings(key: string): string[] | null {
    const list = this.list(key);
    if (list === null) {
      return null;
    }
    return list.every(item => typeof item === 'string') ? (list as string[]) : this.wrongType(key, 'a list of strings');
  }

  /** A reader for each object of the list at `key` (other items are skipped), named `key[i]` in diagnostics. */
  records(key: string): MetadataReader[] {
    return (this.list(key) ?? []).flatMap((item, i) =>
      isRecord(item) ? [new MetadataReader(item, `${this.prefix}.${key}[${i}]`, this.diagnostics)] : []
    );
  }

  child(key: string): MetadataReader | null {
    const record = this.record(key);
    return record ? new MetadataReader(record, `${this.prefix}.${key}`, this.diagnostics) : null;
  }
}

function emptySettings(): NotebookSettings {
  return {
    pipelineName: null,
    description: null,
    experiment: null,
    image: null,
    volume: { size: null, storageClass: null, accessMode: null, claim: null },
    mounts: [],
    cache: null,
    stepDefaults: [],
    requirements: [],
    installRequirements: true,
    packageIndex: { indexUrl: null, extraIndexUrls: [], trustedHosts: [], secret: null },
    securityContext: null
  };
}

/** Kale 2.3's SecurityContextConfig defaults (kale/pipeline.py), used for the keys a notebook's security_context leaves out. */
export const KALE_SECURITY_CONTEXT: SecurityContext = { runAsUser: 65534, runAsGroup: 0, runAsNonRoot: true };

/**
 * Kale's `security_context: {enabled, run_as_user, run_as_group, run_as_non_root}`. Kale fills the
 * keys left out with its defaults (enabled, 65534, 0, non-root), and so does this. Without the key
 * Kale applies the same defaults (or its KALE_SECURITY_CONTEXT_* environment variables, read where
 * it compiles); cellpipe applies nothing then: a pod that suddenly runs as 65534 cannot write to a
 * volume it could write to yesterday, so only a notebook that asks for it gets it.
 */
function kaleSecurityContext(context: MetadataReader): SecurityContext | null {
  context.onlyKeys(['enabled', 'run_as_user', 'run_as_group', 'run_as_non_root']);
  const fallback = (value: unknown): string => `Kale's default ${JSON.stringify(value)} is used`;
  const enabled = context.boolean('enabled', fallback(true)) ?? true;
  const securityContext = {
    runAsUser: context.id('run_as_user', fallback(KALE_SECURITY_CONTEXT.runAsUser)) ?? KALE_SECURITY_CONTEXT.runAsUser,
    runAsGroup: context.id('run_as_group', fallback(KALE_SECURITY_CONTEXT.runAsGroup)) ?? KALE_SECURITY_CONTEXT.runAsGroup,
    runAsNonRoot: context.boolean('run_as_non_root', fallback(KALE_SECURITY_CONTEXT.runAsNonRoot)) ?? KALE_SECURITY_CONTEXT.runAsNonRoot
  };
  return enabled ? securityContext : null;
}

function stringField(record: Record<string, unknown>, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' && value !== '') {
      return value;
    }
    if (typeof value === 'number') {
      return String(value);
    }
  }
  return null;
}

function kaleMount(volume: MetadataReader): VolumeMount[] {
  const raw = volume.source;
  const mountPath = stringField(raw, 'mount_point');
  const name = stringField(raw, 'name');
  if (!mountPath || !name) {
    return [];
  }
  const size = stringField(raw, 'size');
  const unit = stringField(raw, 'size_type');
  return [
    {
      name,
      mountPath,
      type: stringField(raw, 'type') ?? 'pvc',
      size: size ? `${size}${unit ?? ''}` : null,
      storageClass: stringField(raw, 'storage_class_name'),
      exposeAsEnvVar: volume.boolean('expose_as_env_var') ?? false
    }
  ];
}

function cellpipeMount(volume: MetadataReader): VolumeMount[] {
  const raw = volume.source;
  const mountPath = stringField(raw, 'mountPath');
  const name = stringField(raw, 'name');
  if (!mountPath || !name) {
    return [];
  }
  return [
    {
      name,
      mountPath,
      type: stringField(raw, 'type') ?? 'pvc',
      size: stringField(raw, 'size'),
      storageClass: stringField(raw, 'storageClass'),
      exposeAsEnvVar: volume.boolean('exposeAsEnvVar') ?? false
    }
  ];
}

function applyKale(settings: NotebookSettings, kale: MetadataReader): void {
  settings.pipelineName = kale.string('pipeline_name');
  settings.description = kale.string('pipeline_description');
  settings.experiment = kale.string('experiment_name') ?? stringField(kale.record('experiment') ?? {}, 'name');
  settings.image = kale.string('base_image') ?? kale.string('docker_image');
  settings.volume.storageClass = kale.string('storage_class_name');
  const mode = kale.string('volume_access_mode');
  settings.volume.accessMode = mode ? (KALE_ACCESS_MODES[mode] ?? mode) : null;
  settings.mounts = kale.records('volumes').flatMap(kaleMount);
  settings.stepDefaults = kale.strings('steps_defaults') ?? [];
  settings.cache = kale.boolean('enable_caching');
  const securityContext = kale.child('security_context');
  settings.securityContext = securityContext ? kaleSecurityContext(securityContext) : null;
}

function applyCellpipe(settings: NotebookSettings, own: MetadataReader): void {
  settings.pipelineName = own.string('pipelineName') ?? settings.pipelineName;
  settings.description = own.string('description') ?? settings.description;
  settings.experiment = own.string('experiment') ?? settings.experiment;
  settings.image = own.string('image') ?? settings.image;
  const volume = own.child('volume');
  if (volume) {
    settings.volume = {
      size: volume.string('size') ?? settings.volume.size,
      storageClass: volume.string('storageClass') ?? settings.volume.storageClass,
      accessMode: volume.string('accessMode') ?? settings.volume.accessMode,
      claim: volume.string('claim') ?? settings.volume.claim
    };
  }
  if (own.list('mounts')) {
    settings.mounts = own.records('mounts').flatMap(cellpipeMount);
  }
  settings.stepDefaults = own.strings('stepDefaults') ?? settings.stepDefaults;
  settings.requirements = own.strings('requirements') ?? settings.requirements;
  settings.installRequirements = own.boolean('installRequirements') ?? settings.installRequirements;
  const distributed = own.string('distributed');
  if (distributed !== null) {
    settings.distributed = distributed;
  }
  const index = own.child('packageIndex');
  if (index) {
    settings.packageIndex = {
      indexUrl: index.string('indexUrl'),
      extraIndexUrls: index.strings('extraIndexUrls') ?? [],
      trustedHosts: index.strings('trustedHosts') ?? [],
      secret: index.string('secret')
    };
  }
}

/**
 * Normalises notebook-level settings. Kale's `metadata.kubeflow_notebook` keys are read first, then
 * cellpipe's own `metadata.cellpipe` keys override them, so a notebook written for Kale keeps working
 * and cellpipe's sidebar only ever writes its own key.
 */
export function readNotebookSettings(metadata: Record<string, unknown>): {
  settings: NotebookSettings;
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const settings = emptySettings();
  const root = new MetadataReader(metadata, 'metadata', diagnostics);
  const kale = root.child('kubeflow_notebook');
  if (kale) {
    applyKale(settings, kale);
  }
  const own = root.child('cellpipe');
  if (own) {
    applyCellpipe(settings, own);
  }
  return { settings, diagnostics };
}
