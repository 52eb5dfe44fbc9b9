import type { ClusterOptions } from '../cluster/options';

export interface KfpOptions extends ClusterOptions {
  /** pipelineInfo.name; default: the pipeline's name, sanitised to DNS-1123. */
  name?: string;
}
