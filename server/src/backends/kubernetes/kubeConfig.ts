import { KubeConfig } from '@kubernetes/client-node';

/**
 * The kubeconfig found the standard way (`KubeConfig.loadFromDefault`): `$KUBECONFIG`, then
 * `~/.kube/config`, then the in-cluster service account, then http://localhost:8080.
 */
export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (error) {
    const source = process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : '~/.kube/config';
    throw new Error(`cannot read the kubeconfig (${source}): ${(error as Error).message}`);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error(
      `the kubeconfig has no current cluster (context '${kc.getCurrentContext()}'): ` +
        'set one with `kubectl config use-context NAME` or point KUBECONFIG at another file'
    );
  }
  return kc;
}

/** `explicit`, else the current context's namespace (in a pod: the service account's), else `default`. */
export function kubeNamespace(kc: KubeConfig, explicit?: string): string {
  const namespace = explicit || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
  return namespace.trim();
}

/** Where the API server is, for messages. */
export function kubeServer(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? 'the Kubernetes API server';
}
