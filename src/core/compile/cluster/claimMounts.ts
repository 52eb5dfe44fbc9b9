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
}

export function claimMounts(pipeline: Pipeline, out: CompileDiagnostics): ClaimMount[] {
  const mounts: ClaimMount[] = [];
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
    mounts.push({ claim: mount.name, mountPath: mount.mountPath });
  }
  return mounts;
}
