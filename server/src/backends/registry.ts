import { cpus } from 'node:os';
import { BACKEND_NAMES, type BackendName } from '../../../src/core/run/api';
import type { RunEvent, RunState } from '../../../src/core/run/types';
import { CellpipeError } from '../errors';
import type { Backend } from './backend';
import type { KfpAuth } from './kfp/kfpClient';
import type { RunStore } from './runStore';

/** How to set up each backend for a run. */
export type BackendSettings =
  | { name: 'local'; python: string; workers: number; cache?: boolean }
  | { name: 'kubernetes'; namespace?: string; image?: string }
  | { name: 'kfp'; host: string; auth: KfpAuth; image?: string; pollMs?: number };

export interface BackendContext {
  store: RunStore;
  onEvent?: (event: RunEvent) => void;
}

/**
 * The one place a backend is chosen. Each is loaded only when asked for: the Kubernetes client
 * alone is most of the bundle, and `cellpipe run` of a local notebook should not pay for it.
 */
export async function createBackend(settings: BackendSettings, context: BackendContext): Promise<Backend> {
  switch (settings.name) {
    case 'local': {
      const { LocalBackend } = await import('./local/localBackend');
      return new LocalBackend({ ...context, python: settings.python, workers: settings.workers, cache: settings.cache });
    }
    case 'kubernetes': {
      const { KubernetesBackend } = await import('./kubernetes/kubernetesBackend');
      return new KubernetesBackend({ ...context, namespace: settings.namespace, image: settings.image });
    }
    case 'kfp': {
      const { KfpBackend } = await import('./kfp/kfpBackend');
      return new KfpBackend({ ...context, host: settings.host, auth: settings.auth, image: settings.image, pollMs: settings.pollMs });
    }
  }
}

/** The settings of the backend that ran a stored run, from what the run store recorded. */
export function settingsOfRun(state: RunState, kfpAuth: KfpAuth): BackendSettings {
  switch (state.backend) {
    case 'local':
      return { name: 'local', python: state.python ?? 'python3', workers: cpus().length };
    case 'kubernetes':
      return { name: 'kubernetes', namespace: state.kubernetes?.namespace };
    case 'kfp':
      if (!state.kfp) {
        throw new CellpipeError('invalid', `run '${state.runId}' says it ran on Kubeflow Pipelines but does not say where`);
      }
      return { name: 'kfp', host: state.kfp.host, auth: kfpAuth };
  }
}

export function isBackendName(name: unknown): name is BackendName {
  return (BACKEND_NAMES as readonly unknown[]).includes(name);
}
