export * from './types';
export { buildPipeline, PipelineError, type BuildOptions } from './build';
export { assignStepIds, dnsLabel, stepIdBase, MAX_STEP_ID } from './stepIds';
