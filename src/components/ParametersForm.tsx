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

/**
 * A parameter's row of a form: its name (its type and default as the tooltip), its field, and why
 * the text typed does not fit it (`errorData`: the error's data attribute, for the tests).
 */
export function ParameterRow({
  parameter,
  error,
  errorData,
  children
}: {
  parameter: Parameter;
  error: string | undefined;
  errorData: Record<string, string>;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <label className="cp-Form-row">
      <span className="cp-Form-label" title={`${parameter.type}, default ${defaultText(parameter)}`}>
        {parameter.name}
      </span>
      {children}
      {error !== undefined && (
        <span className="cp-Error cp-Form-error" style={{ gridColumn: '2' }} role="alert" {...errorData}>
          {error}
        </span>
      )}
    </label>
  );
}

/** The run's parameters: defaults from the parameters cell, values for the next run typed here. */
export function ParametersForm({ parameters, texts, errors, onChange }: ParametersFormProps): JSX.Element {
  if (!parameters.length) {
    return <div className="cp-SidebarPanel-empty">No parameters: tag a cell of literal assignments as parameters.</div>;
  }
  return (
    <div className="cp-Form">
      {parameters.map(p => (
        <ParameterRow key={p.name} parameter={p} error={errors[p.name]} errorData={{ 'data-parameter-error': p.name }}>
          <input
            className="jp-mod-styled cp-Form-input cp-Parameter"
            data-parameter={p.name}
            value={texts[p.name] ?? defaultText(p)}
            aria-label={`parameter ${p.name}`}
            aria-invalid={p.name in errors}
            onChange={event => onChange(p.name, event.target.value === defaultText(p) ? '' : event.target.value)}
          />
        </ParameterRow>
      ))}
    </div>
  );
}
