/**
 * The extra volumes of the notebook settings (Kale's `volumes`) that a cluster target mounts into
 * every step: existing claims only. Argo and KFP both mount what this returns, with the same
 * warnings for the rest and the same errors for a path Kubernetes (or Argo's templating) would misread.
 */
import type { Pipeline } from '../../pipeline';
import { hasArgoTemplateSyntax } from './argoSafe';
import type { CompileDiagnostics } from './diagnostics';

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
