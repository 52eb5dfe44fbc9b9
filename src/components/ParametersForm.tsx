import React from 'react';
import type { Parameter } from '../core/analysis';

export interface ParametersFormProps {
  parameters: Parameter[];
  values: Record<string, string>;
  onChange: (name: string, value: string) => void;
}

/** A parameter's default as the user would type it. */
export function defaultText(parameter: Parameter): string {
  return typeof parameter.default === 'string' ? parameter.default : JSON.stringify(parameter.default);
}

/** The run's parameters: defaults from the parameters cell, values for the next run typed here. */
export function ParametersForm({ parameters, values, onChange }: ParametersFormProps): JSX.Element {
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
            value={values[p.name] ?? defaultText(p)}
            aria-label={`parameter ${p.name}`}
            onChange={event => onChange(p.name, event.target.value === defaultText(p) ? '' : event.target.value)}
          />
        </label>
      ))}
    </div>
  );
}
