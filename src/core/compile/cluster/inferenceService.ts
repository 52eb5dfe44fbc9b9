/**
 * A served model (`serve:` tag, docs/distributed-and-serving.md) as a KServe InferenceService
 * (serving.kserve.io/v1beta1): KServe's scikit-learn server reading `model.joblib` from the folder
 * the step saved on a claim, answering the v1 protocol (`/v1/models/NAME:predict`). The launcher
 * sets storageUri from the model's folder and the claim its own pod mounts there
 * (`pvc://CLAIM/PATH`); the compiler writes a placeholder of the same form.
 */
export const INFERENCE_SERVICE_API_VERSION = 'serving.kserve.io/v1beta1';

export interface ServedModelSpec {
  /** The served model's name (PipelineStep.serve.name): a DNS-1035 label. */
  name: string;
  labels: Record<string, string>;
  storageUri: string;
  serviceAccountName?: string;
}

/** The v1 protocol's predict path of a model, below the service's URL. */
export function predictPath(name: string): string {
  return `/v1/models/${name}:predict`;
}

export function inferenceServiceManifest(model: ServedModelSpec): Record<string, unknown> {
  return {
    apiVersion: INFERENCE_SERVICE_API_VERSION,
    kind: 'InferenceService',
    metadata: { name: model.name, labels: { ...model.labels } },
    spec: {
      predictor: {
        ...(model.serviceAccountName ? { serviceAccountName: model.serviceAccountName } : {}),
        model: { modelFormat: { name: 'sklearn' }, protocolVersion: 'v1', storageUri: model.storageUri }
      }
    }
  };
}
