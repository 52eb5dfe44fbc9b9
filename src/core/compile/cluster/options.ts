/**
 * Options every cluster target (Argo Workflows, Kubeflow Pipelines) shares: the step image, the
 * data volume, where pods may run. Defaults come from the notebook's settings.
 */

/** Image of a step without `image:` tag and without a notebook image. */
export const DEFAULT_STEP_IMAGE = 'python:3.12-slim';
/** Size of a fresh data volume when neither options nor the notebook say. */
export const DEFAULT_VOLUME_SIZE = '1Gi';
/** Where the data volume is mounted in every pod; a run's data lives in a folder below it. */
export const DATA_MOUNT_PATH = '/cellpipe/data';

export type AccessMode = 'ReadWriteOnce' | 'ReadWriteMany' | 'ReadWriteOncePod' | 'ReadOnlyMany';
export const ACCESS_MODES: readonly AccessMode[] = ['ReadWriteOnce', 'ReadWriteMany', 'ReadWriteOncePod', 'ReadOnlyMany'];

/**
 * The volume steps pass data over: a fresh claim per run (deleted with the run as the target
 * allows), or an existing claim shared by runs (each run writes below its own folder).
 */
export type VolumeOptions =
  | {
      /** Kubernetes quantity, e.g. '5Gi'. */
      size: string;
      /** null: the cluster's default storage class. */
      storageClass: string | null;
      accessMode: AccessMode;
    }
  | { existingClaim: string };

/** A Kubernetes toleration (core/v1 Toleration), emitted as given after validation. */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface ClusterOptions {
  /** Image of steps without `image:` tag when the notebook names no image; default DEFAULT_STEP_IMAGE. */
  image?: string;
  /** Default: a fresh claim with the notebook's volume settings (size, storageClass, accessMode). */
  volume?: VolumeOptions;
  /** Node selector of every step pod. */
  nodeSelector?: Record<string, string>;
  /** Tolerations of every step pod. */
  tolerations?: Toleration[];
  /** Python command in the image; default 'python3'. */
  python?: string;
}
