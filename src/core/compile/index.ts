export { compileStepScript, compileStepScripts, stepSpec } from './stepScript';
export { pyLiteral, pyStr } from './pythonLiteral';
export { RUNTIME_SOURCE } from './runtime';
