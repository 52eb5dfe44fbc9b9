/**
 * The extra volumes of the notebook settings (Kale's `volumes`) that a cluster target mounts into
 * every step: existing claims only. Argo and KFP both mount what this returns, with the same
 * warnings for the rest and the same errors for a path Kubernetes (or Argo's templating) would misread.
 */
import type { Pipeline } from '../../pipeline';
import { hasArgoTemplateSyntax } from './argoSafe';
import type { CompileDiagnostics } from './diagnostics';
import { DATA_MOUNT_PATH } from './options';

export interface ClaimMount {
  /** The PersistentVolumeClaim's name. */
  claim: string;
  mountPath: string;
  /** The environment variable every step container gets with `mountPath` as its value (Kale's `expose_as_env_var`), or null. */
  env: string | null;
}

/**
 * Kale's variable for a volume's mount path (kale/compiler.py, to_kale_env_var_name):
 * KALE_VOLUME_ and the claim name upper-cased, each character other than A-Z and 0-9 made '_'.
 * Always a valid variable name, whatever the claim name holds.
 */
export function kaleVolumeEnvName(claim: string): string {
  return 'KALE_VOLUME_' + claim.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** `path` without `.`, `..`, repeated and trailing slashes (Kubernetes compares mount paths after cleaning them). */
export function normalizeMountPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') {
      parts.pop();
    } else if (part !== '' && part !== '.') {
      parts.push(part);
    }
  }
  return '/' + parts.join('/');
}

/** Folders a notebook volume must not cover or sit in: the container's root, its kernel filesystems, cellpipe's run data. */
const RESERVED_PATHS = ['/proc', '/sys', '/dev', DATA_MOUNT_PATH];

const within = (path: string, folder: string): boolean => path === folder || path.startsWith(folder + '/');

/** Why a (normalized) mount path would break the step's container or cellpipe's data, or null. */
function reservedMountProblem(path: string): string | null {
  if (path === '/') {
    return "would hide the image's whole file system";
  }
  for (const reserved of RESERVED_PATHS) {
    if (within(path, reserved)) {
      return `is inside ${reserved}, which ${reserved === DATA_MOUNT_PATH ? "holds the run's data (cellpipe mounts it there)" : 'the container needs'}`;
    }
    if (within(reserved, path)) {
      return `would hide ${reserved}, which ${reserved === DATA_MOUNT_PATH ? "holds the run's data (cellpipe mounts it there)" : 'the container needs'}`;
    }
  }
  return null;
}

export function claimMounts(pipeline: Pipeline, out: CompileDiagnostics): ClaimMount[] {
  const mounts: ClaimMount[] = [];
  const exposedBy = new Map<string, string>();
  for (const mount of pipeline.settings.mounts) {
    if (mount.type !== 'pvc') {
      out.warning(
        `volume ${JSON.stringify(mount.name)} of type ${mount.type} is not supported on the cluster and is not mounted; only existing claims (pvc) are`,
        null,
        'volume-unsupported'
      );
      continue;
    }
    if (!/^\/[^\0]*$/.test(mount.mountPath) || hasArgoTemplateSyntax(mount.mountPath) || hasArgoTemplateSyntax(mount.name)) {
      out.error(`volume ${JSON.stringify(mount.name)}: mount path ${JSON.stringify(mount.mountPath)} must be an absolute path without '{{'`);
      continue;
    }
    const path = normalizeMountPath(mount.mountPath);
    const reserved = reservedMountProblem(path);
    const twin = mounts.find(other => normalizeMountPath(other.mountPath) === path);
    if (reserved) {
      out.error(
        `volume ${JSON.stringify(mount.name)}: mount path ${JSON.stringify(mount.mountPath)} ${reserved}; mount it at a folder of its own, e.g. /mnt/${mount.name}`,
        null,
        'volume-mount-path'
      );
    } else if (twin) {
      out.error(
        `volumes ${JSON.stringify(twin.claim)} and ${JSON.stringify(mount.name)} are both mounted at ${JSON.stringify(path)}, which Kubernetes refuses; give each its own mount path`,
        null,
        'volume-mount-path'
      );
    }
    const env = mount.exposeAsEnvVar ? kaleVolumeEnvName(mount.name) : null;
    if (env !== null) {
      const other = exposedBy.get(env);
      if (other !== undefined) {
        // As Kale refuses it: one variable would silently hide the other volume's path.
        out.error(
          `volumes ${JSON.stringify(other)} and ${JSON.stringify(mount.name)} would both set ${env}: rename one of the claims, or turn off expose_as_env_var on one of them`
        );
      }
      exposedBy.set(env, mount.name);
    }
    mounts.push({ claim: mount.name, mountPath: mount.mountPath, env });
  }
  return mounts;
}

/** The environment variables the exposed volumes give every step container, in the order of the volumes. */
export function claimMountEnv(mounts: readonly ClaimMount[]): Array<{ name: string; value: string }> {
  return mounts.flatMap(mount => (mount.env !== null ? [{ name: mount.env, value: mount.mountPath }] : []));
}
