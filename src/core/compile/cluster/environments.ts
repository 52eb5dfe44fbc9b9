/**
 * Step environments on a cluster (DESIGN.md, "Step environments"): each distinct set of pip
 * requirements of a pipeline is installed once by the setup task into the data volume, under
 * `<volume root>/_cellpipe/envs/<id>/`, and a step imports from there through PYTHONPATH.
 *
 * - The volume root is the data volume's mount path (DATA_MOUNT_PATH) on both targets; a run's data
 *   folder is one level below it (`{{workflow.name}}` on Argo, `{{$.pipeline_job_uuid}}` on KFP),
 *   so the setup script takes the parent of its data folder as the root. `_cellpipe` can never be a
 *   run's folder: run names are DNS labels and uuids, without '_'.
 * - The id is content-addressed (environmentId): the same set, installed by the same image and
 *   Python from the same index, has the same folder, so a later run on the same claim (an
 *   existing claim of the notebook settings or target options) finds it and installs nothing.
 *   With the default fresh claim per run the volume is new each time: every run installs again
 *   (pip's cache, `_cellpipe/pip-cache`, lives on the same volume, so it only helps within a run).
 * - Credentials never enter the compiled file: the notebook's index URLs must not carry any
 *   (an error says so, and the URL is dropped), and the package index secret reaches the setup
 *   container as PIP_INDEX_URL / PIP_EXTRA_INDEX_URL from the secret's keys `index-url` and
 *   `extra-index-url` (both optional), by name only.
 */
import type { PackageIndex } from '../../notebook';
import type { Pipeline, PipelineStep } from '../../pipeline';
import type { CompileDiagnostics } from './diagnostics';
import { hasArgoTemplateSyntax } from './argoSafe';
import { isDnsSubdomain } from './kubernetesNames';
import { DATA_MOUNT_PATH, type VolumeOptions } from './options';

/** Folder of the environments below the volume root. */
export const ENVIRONMENTS_FOLDER = '_cellpipe/envs';
/** pip's cache below the volume root, so a second install on the same claim downloads nothing. */
export const PIP_CACHE_FOLDER = '_cellpipe/pip-cache';
/** Keys of the package index secret and the pip env vars they become on the setup container. */
export const INDEX_SECRET_KEYS = [
  { key: 'index-url', env: 'PIP_INDEX_URL' },
  { key: 'extra-index-url', env: 'PIP_EXTRA_INDEX_URL' }
] as const;
/** Annotation of the setup pod: JSON `{id: [requirements]}` of what it installs. */
export const ENVIRONMENTS_ANNOTATION = 'cellpipe.dev/environments';
/** Annotation of a step pod: the id of the environment it imports from. */
export const ENVIRONMENT_ANNOTATION = 'cellpipe.dev/environment';

export interface EnvironmentSet {
  id: string;
  /** Sorted pip requirement specifiers. */
  requirements: string[];
}

export interface EnvironmentPlan {
  /** Distinct sets in order of first use; empty when no step has an environment. */
  sets: EnvironmentSet[];
  /** Step id -> environment id, for the steps that have one. */
  byStep: Map<string, string>;
  /** pip options of the notebook's package index, as option and value: `--index-url`, `--extra-index-url`, `--trusted-host`. */
  pipOptions: Array<[string, string]>;
  /** Name of the package index secret, or null. */
  secret: string | null;
}

/** Where the setup runs and how: part of every environment's identity. */
export interface SetupRuntime {
  image: string;
  python: string;
}

/**
 * FNV-1a 64 of the UTF-8 bytes of `text` as 16 hex digits (http://www.isthe.com/chongo/tech/comp/fnv/):
 * not cryptographic, but stable, pure and small; ids only need to tell a few sets apart.
 */
export function fnv1a64(text: string): string {
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  let hash = 0xcbf29ce484222325n;
  const mix = (byte: number): void => {
    hash = ((hash ^ BigInt(byte)) * prime) & mask;
  };
  for (const ch of text) {
    const code = ch.codePointAt(0)!; // a lone surrogate counts as its code unit, encoded as UTF-8 would (WTF-8)
    if (code < 0x80) {
      mix(code);
    } else if (code < 0x800) {
      mix(0xc0 | (code >> 6));
      mix(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      mix(0xe0 | (code >> 12));
      mix(0x80 | ((code >> 6) & 0x3f));
      mix(0x80 | (code & 0x3f));
    } else {
      mix(0xf0 | (code >> 18));
      mix(0x80 | ((code >> 12) & 0x3f));
      mix(0x80 | ((code >> 6) & 0x3f));
      mix(0x80 | (code & 0x3f));
    }
  }
  return hash.toString(16).padStart(16, '0');
}

/** The id of a requirement set: a hash of the setup image, its Python, the sorted requirements and the index settings. */
export function environmentId(runtime: SetupRuntime, requirements: readonly string[], index: PackageIndex): string {
  const sorted = [...requirements].sort();
  return fnv1a64(
    JSON.stringify([runtime.image, runtime.python, sorted, [index.indexUrl, [...index.extraIndexUrls], [...index.trustedHosts], index.secret]])
  );
}

/** Where a step finds an environment in its pod. */
export function environmentPath(id: string): string {
  return `${DATA_MOUNT_PATH}/${ENVIRONMENTS_FOLDER}/${id}`;
}

/** Whether a URL carries credentials (`scheme://user[:password]@host`). */
function hasCredentials(url: string): boolean {
  return /^[^:/?#]*:\/\/[^/?#]*@/.test(url);
}

/** The URL without its user information, for messages. */
function redacted(url: string): string {
  return url.replace(/^([^:/?#]*:\/\/)[^/?#]*@/, '$1****@');
}

/**
 * The package index settings checked: URLs with credentials or template syntax are errors and are
 * left out of everything compiled (their text never reaches the compiled file, not even hashed).
 */
function checkedIndex(index: PackageIndex, out: CompileDiagnostics): PackageIndex {
  const ok = (what: string, url: string): boolean => {
    if (hasCredentials(url)) {
      out.error(
        `package index: the ${what} ${JSON.stringify(redacted(url))} carries credentials; remove them and name a Kubernetes secret with the keys index-url / extra-index-url in the package index settings`,
        null,
        'package-index-credentials'
      );
      return false;
    }
    if (hasArgoTemplateSyntax(url) || /[\s\0]/.test(url) || url === '') {
      out.error(`package index: the ${what} ${JSON.stringify(url)} is not a URL (no spaces, no '{{')`);
      return false;
    }
    return true;
  };
  const secret = index.secret;
  if (secret !== null && !isDnsSubdomain(secret)) {
    out.error(`package index: the secret ${JSON.stringify(secret)} is not a Kubernetes secret name (lowercase letters, digits, '-', '.')`);
  }
  return {
    indexUrl: index.indexUrl !== null && ok('index URL', index.indexUrl) ? index.indexUrl : null,
    extraIndexUrls: index.extraIndexUrls.filter(url => ok('extra index URL', url)),
    trustedHosts: index.trustedHosts.filter(host => ok('trusted host', host)),
    secret: secret !== null && isDnsSubdomain(secret) ? secret : null
  };
}

/**
 * The environments of a pipeline: one set per distinct requirement list (steps with the same list
 * share it), none for steps whose environment is absent (not worked out) or null (their image
 * holds everything).
 */
export function planEnvironments(pipeline: Pipeline, runtime: SetupRuntime, out: CompileDiagnostics): EnvironmentPlan {
  const stepsWithEnvironment = pipeline.steps.filter(step => step.environment);
  if (!stepsWithEnvironment.length) {
    return { sets: [], byStep: new Map(), pipOptions: [], secret: null };
  }
  const index = checkedIndex(pipeline.settings.packageIndex, out);
  const sets = new Map<string, EnvironmentSet>();
  const byStep = new Map<string, string>();
  for (const step of stepsWithEnvironment) {
    const cell = step.cells[0] ?? null;
    const requirements = [...step.environment!.requirements].sort();
    for (const requirement of requirements.filter(r => r.includes('\0'))) {
      out.error(
        `step ${JSON.stringify(step.name)}: the requirement ${JSON.stringify(requirement)} contains a NUL character, which no command line can pass to pip`,
        cell
      );
    }
    if (step.config.secrets.some(secret => secret.env === 'PYTHONPATH')) {
      out.error(
        `step ${JSON.stringify(step.name)}: a secret: tag sets PYTHONPATH, which cellpipe sets to the step's environment; choose another env var`,
        cell
      );
    }
    const id = environmentId(runtime, requirements, index);
    if (!sets.has(id)) {
      sets.set(id, { id, requirements });
    }
    byStep.set(step.id, id);
  }
  const pipOptions: Array<[string, string]> = [
    ...(index.indexUrl !== null ? [['--index-url', index.indexUrl] as [string, string]] : []),
    ...index.extraIndexUrls.map((url): [string, string] => ['--extra-index-url', url]),
    ...index.trustedHosts.map((host): [string, string] => ['--trusted-host', host])
  ];
  return { sets: [...sets.values()], byStep, pipOptions, secret: index.secret };
}

/**
 * What to know about the environments: a step with another image than the setup's imports from an
 * environment the setup image's Python installed (compiled extensions are built for that Python),
 * a warning; environments on a fresh per-run claim are installed by every run, an info.
 */
export function reportEnvironments(
  pipeline: Pipeline,
  plan: EnvironmentPlan,
  volume: VolumeOptions,
  runtime: SetupRuntime,
  stepImage: (step: PipelineStep) => string,
  out: CompileDiagnostics
): void {
  if (plan.sets.length && !('existingClaim' in volume)) {
    out.info(
      `the setup task installs ${plan.sets.length} step environment${plan.sets.length > 1 ? 's' : ''} on the run's fresh volume, so every run installs them again; ` +
        'with an existing claim as the volume, later runs reuse them',
      null,
      'environments-per-run'
    );
  }
  for (const step of pipeline.steps) {
    const image = stepImage(step);
    if (plan.byStep.has(step.id) && image !== runtime.image) {
      out.warning(
        `step ${JSON.stringify(step.name)}: its image ${JSON.stringify(image)} differs from the setup image ${JSON.stringify(runtime.image)}, ` +
          "whose Python installs the step's environment: if the Python versions differ, compiled packages fail to import. " +
          'Use the same Python version in both images, or tag the step pip:none and install its packages in its image.',
        step.cells[0] ?? null,
        'environment-image'
      );
    }
  }
}

/** The annotation value of the setup pod: `{id: [requirements]}` as JSON. */
export function environmentsSummary(plan: EnvironmentPlan): Record<string, string[]> {
  return Object.fromEntries(plan.sets.map(set => [set.id, set.requirements]));
}
