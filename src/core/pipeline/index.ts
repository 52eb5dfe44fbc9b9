export * from './types';
export { buildPipeline, PipelineError, type BuildOptions } from './build';
export { assignStepIds, dnsLabel, stepIdBase, MAX_STEP_ID } from './stepIds';
export { modulesToProbe, requirementLines, requirementName, withEnvironments, type EnvironmentInputs } from './environments';
export type { InstalledPackages, ModuleOrigin } from './installedPackages';
export { isPipInstallLine, pipInstallRequirements } from './pipInstallLines';
