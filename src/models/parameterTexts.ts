import type { Parameter } from '../core/analysis';
import { ParameterValueError, parseParameterText } from '../core/run/parameterValues';
import type { JsonValue } from '../core/run/types';

/** The parameter texts typed in the sidebar, read by the types of the parameters the notebook declares. */
export interface TypedParameterTexts {
  /** The values that parse, by name: what a run is started with. */
  values: Record<string, JsonValue>;
  /** Why a text does not fit its parameter, by name: shown on the parameter's field. */
  errors: Record<string, string>;
}

/** Texts for names the notebook no longer declares are left out: there is nothing to override. */
export function typeParameterTexts(declared: readonly Parameter[], texts: Readonly<Record<string, string>>): TypedParameterTexts {
  const typed: TypedParameterTexts = { values: {}, errors: {} };
  for (const parameter of declared) {
    if (!Object.prototype.hasOwnProperty.call(texts, parameter.name)) {
      continue;
    }
    try {
      typed.values[parameter.name] = parseParameterText(parameter, texts[parameter.name]);
    } catch (error) {
      if (!(error instanceof ParameterValueError)) {
        throw error;
      }
      typed.errors[parameter.name] = error.message;
    }
  }
  return typed;
}
