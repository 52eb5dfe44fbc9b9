/**
 * Kale's `security_context` on a cluster target: whom every pod that runs notebook code (the steps
 * and the setup task, which writes the runtime file the steps import) runs as. Argo takes it as
 * each template's pod securityContext; KFP as kfp-kubernetes' `securityContext`
 * (KubernetesExecutorConfig.security_context, what `kfp.kubernetes.set_security_context`, which
 * Kale calls, writes). Both targets report the same things about it here.
 */
import type { SecurityContext } from '../../notebook';
import type { Pipeline } from '../../pipeline';
import type { CompileDiagnostics } from './diagnostics';
import { DATA_MOUNT_PATH } from './options';

/**
 * What Kale sets beside the security context on every task: a user without a passwd entry (or
 * nobody's /nonexistent) has no writable home, and pip and many libraries write below $HOME.
 */
export const SECURITY_CONTEXT_HOME = { name: 'HOME', value: '/tmp' };

/** The notebook's security context, or null; the problems and conditions of running with it go to `out`. */
export function securityContextOf(pipeline: Pipeline, out: CompileDiagnostics): SecurityContext | null {
  const context = pipeline.settings.securityContext;
  if (context === null) {
    return null;
  }
  if (context.runAsNonRoot && context.runAsUser === 0) {
    out.error(
      'the notebook metadata kubeflow_notebook.security_context says run_as_user 0 (root) and run_as_non_root true: Kubernetes refuses to start such a pod. ' +
        'Set run_as_user to a user id other than 0 (Kale uses 65534), or run_as_non_root to false.'
    );
  }
  out.warning(
    `kubeflow_notebook.security_context: every step and the setup task run as user ${context.runAsUser}, group ${context.runAsGroup}. ` +
      `They write the run's data under ${DATA_MOUNT_PATH} and to the notebook's volumes, so those volumes must be writable by that user or group ` +
      '(a storage class that makes group-writable volumes, or a claim prepared for it); otherwise the setup task fails with a permission error. ' +
      "Set enabled: false in the security_context to run as the image's user.",
    null,
    'security-context-volumes'
  );
  return context;
}
