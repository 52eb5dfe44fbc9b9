import React, { useState } from 'react';
import type { Parameter } from '../core/analysis';
import type { SweepGrid } from '../core/run/sweepGrid';
import { typeSweepTexts } from '../models/sweepTexts';
import { defaultText, ParameterRow } from './ParametersForm';

export interface SweepFormProps {
  parameters: Parameter[];
  /** Why the notebook cannot run now (as the Run button says), if it cannot. */
  blocked: string | null;
  busy: boolean;
  onStart: (grid: SweepGrid) => void;
}

/**
 * A parameter sweep: per parameter a list of values (as `cellpipe run --sweep` takes them), the
 * number of runs that makes, and a button starting them as one sweep. Parameters left blank keep
 * the value of the Parameters form.
 */
export function SweepForm({ parameters, blocked, busy, onStart }: SweepFormProps): JSX.Element {
  const [texts, setTexts] = useState<Record<string, string>>({});
  if (!parameters.length) {
    return <div className="cp-SidebarPanel-empty">No parameters to sweep: tag a cell of literal assignments as parameters.</div>;
  }
  const typed = typeSweepTexts(parameters, texts);
  const why =
    blocked ??
    typed.problem ??
    (Object.keys(typed.errors).length ? 'fix the values marked' : typed.points === 0 ? 'give a list of values for at least one parameter' : null);
  return (
    <form
      className="cp-Form cp-SweepForm"
      aria-label="parameter sweep"
      onSubmit={event => {
        event.preventDefault();
        if (!why && !busy) {
          onStart(typed.grid);
        }
      }}
    >
      {parameters.map(p => (
        <ParameterRow key={p.name} parameter={p} error={typed.errors[p.name]} errorData={{ 'data-sweep-error': p.name }}>
          <input
            className="jp-mod-styled cp-Form-input cp-SweepValues"
            data-sweep-parameter={p.name}
            value={texts[p.name] ?? ''}
            placeholder={`e.g. ${defaultText(p)}, …`}
            aria-label={`values of ${p.name} to sweep, separated by commas`}
            aria-invalid={p.name in typed.errors}
            onChange={event => setTexts({ ...texts, [p.name]: event.target.value })}
          />
        </ParameterRow>
      ))}
      <div className="cp-Muted">Commas separate values (\, is a comma in a value), or give a JSON list: ["a,b", "c"].</div>
      {typed.problem && (
        <div className="cp-Error" role="alert">
          {typed.problem}
        </div>
      )}
      <div className="cp-Actions">
        {/* aria-disabled, not disabled: it stays focusable and its tooltip says why it cannot start. */}
        <button type="submit" className="jp-mod-styled jp-mod-accept cp-SweepButton" aria-disabled={!!why || busy} title={why ?? undefined}>
          {typed.points > 0 ? `Run sweep (${typed.points} runs)` : 'Run sweep'}
        </button>
      </div>
    </form>
  );
}
