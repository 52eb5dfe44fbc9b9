export { compileStepScripts, sharedSources, stepCodeIdentity, stepSpec, type StepScripts } from './stepScript';
export { pyLiteral, pyStr } from './pythonLiteral';
export * from './runtime/contract';
