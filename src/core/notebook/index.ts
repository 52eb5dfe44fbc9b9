export * from './types';
export { diagnostic, hasErrors, sortDiagnostics } from './diagnostic';
export { parseNotebook, type NotebookParseResult } from './parse';
export { parseTag, type ParsedTag } from './tags';
export { readNotebookSettings } from './metadata';
export { planNotebook, stepIdentity, type PlanOptions } from './steps';
export { readTags } from './cellTags';
export { taggedRole, setRole, setStepName, type TaggedRole } from './taggedRole';
export { configProblems, readStepConfig, writeStepConfig, type StepConfigForm } from './stepConfigTags';
