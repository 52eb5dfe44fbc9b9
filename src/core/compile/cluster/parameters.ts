/**
 * Pipeline parameters on a cluster: their names must be ASCII identifiers (Argo parameter names,
 * KFP input names); their values travel as JSON text, which safeJson writes so that Argo finds no
 * template in it and Kubernetes nothing to expand.
 */
import type { Parameter } from '../../analysis';
import { rewriteLiterals } from './argoSafe';
import { ARGO_PARAMETER_NAME } from './kubernetesNames';
import type { CompileDiagnostics } from './diagnostics';

/**
 * JSON text of a value, pure ASCII, with `{`, `}` and `$` inside strings written as \u escapes
 * (structural braces never form `{{`: an object starts with `{"` or is `{}`).
 */
export function safeJson(value: unknown): string {
  return rewriteLiterals(JSON.stringify(value ?? null), '"', ch => [
    /[{}$\u007f-\uffff]/.test(ch) ? '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0') : ch,
    false
  ])!;
}

/** Checks that every parameter can be a cluster parameter; reports those that cannot. */
export function checkParameterNames(parameters: readonly Parameter[], out: CompileDiagnostics): void {
  for (const p of parameters) {
    if (!ARGO_PARAMETER_NAME.test(p.name) || !/^[A-Za-z_]/.test(p.name)) {
      out.error(
        `parameter ${JSON.stringify(p.name)} (line ${p.line}) cannot be a cluster run parameter: rename it with ASCII letters, digits and '_'`,
        p.cell,
        'parameter-name'
      );
    }
  }
}
