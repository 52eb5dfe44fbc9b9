import React from 'react';
import type { Parameter } from '../core/analysis';

export interface ParametersFormProps {
  parameters: Parameter[];
  /** Texts typed for the next run, by name; a parameter without one shows its default. */
  texts: Record<string, string>;
  /** Why a text does not fit its parameter, by name. */
  errors: Record<string, string>;
  onChange: (name: string, text: string) => void;
}

/** A parameter's default as the user would type it. */
export function defaultText(parameter: Parameter): string {
  return typeof parameter.default === 'string' ? parameter.default : JSON.stringify(parameter.default);
}

/** The run's parameters: defaults from the parameters cell, values for the next run typed here. */
export function ParametersForm({ parameters, texts, errors, onChange }: ParametersFormProps): JSX.Element {
  if (!parameters.length) {
    return <div className="cp-SidebarPanel-empty">No parameters: tag a cell of literal assignments as parameters.</div>;
  }
  return (
    <div className="cp-Form">
      {parameters.map(p => (
        <label key={p.name} className="cp-Form-row">
          <span className="cp-Form-label" title={`${p.type}, default ${defaultText(p)}`}>
            {p.name}
          </span>
          <input
            className="jp-mod-styled cp-Form-input cp-Parameter"
            data-parameter={p.name}
            value={texts[p.name] ?? defaultText(p)}
            aria-label={`parameter ${p.name}`}
            aria-invalid={p.name in errors}
            onChange={event => onChange(p.name, event.target.value === defaultText(p) ? '' : event.target.value)}
          />
          {p.name in errors && (
            <span className="cp-Error cp-Form-error" style={{ gridColumn: '2' }} role="alert" data-parameter-error={p.name}>
              {errors[p.name]}
            </span>
          )}
        </label>
      ))}
    </div>
  );
}
