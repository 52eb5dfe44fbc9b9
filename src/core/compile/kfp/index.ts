/** Kubeflow Pipelines v2 target. */
export {
  compileKfp,
  compileKfpPipeline,
  KFP_CREATE_PVC_TASK,
  KFP_DELETE_PVC_TASK,
  KFP_OUTPUTS_PAGE_ARTIFACT,
  KFP_SCHEMA_VERSION,
  KFP_SETUP_TASK,
  type KfpPipeline
} from './compile';
export type { KfpOptions } from './options';
import { toYamlDocuments } from '../yaml';
import type { KfpPipeline } from './compile';

/** The compiled file: the PipelineSpec, then the platform document, with `comment` above them. */
export function kfpYaml(result: Pick<KfpPipeline, 'pipelineSpec' | 'platformSpec'>, comment?: string): string {
  return toYamlDocuments([result.pipelineSpec, result.platformSpec], comment);
}
