import React from 'react';
import type { ComparisonTable, MetricDirection, StepOutcome } from '../models/RunComparison';
import { formatMetric } from '../core/run/formatMetric';
import { formatSeconds, STATUS_MARKS, type StepDisplayStatus } from '../models/stepStatus';
import { RunLine } from './RunLine';

export interface RunComparisonViewProps {
  path: string;
  table: ComparisonTable;
  error: string | null;
  loading: boolean;
  onDirection: (metric: string, direction: MetricDirection) => void;
  onReload: () => void;
  /** Picks the metric the best run is marked by (null: none). */
  onBestBy: (metric: string | null) => void;
  /** The sweep whose runs these are, if any. */
  sweepId?: string;
}

const OUTCOME_STATUS: Record<StepOutcome, StepDisplayStatus | null> = {
  ran: 'succeeded',
  cached: 'cached',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
  'not run': 'queued',
  absent: null
};

function Outcome({ outcome }: { outcome: StepOutcome }): JSX.Element {
  const status = OUTCOME_STATUS[outcome];
  return (
    <span className={`cp-Compare-outcome cp-mod-${status ?? 'absent'}`} data-outcome={outcome}>
      {status && (
        <span className="cp-StatusMark-icon" aria-hidden="true">
          {STATUS_MARKS[status].icon}
        </span>
      )}
      {outcome === 'absent' ? '—' : outcome}
    </span>
  );
}

/**
 * Runs of a notebook side by side: one column per run; parameters, metrics (best marked) and what
 * each step did. The best run by the metric picked above the table has its column highlighted.
 */
export function RunComparisonView({ path, table, error, loading, onDirection, onReload, onBestBy, sweepId }: RunComparisonViewProps): JSX.Element {
  const { runs } = table;
  const bestRun = (i: number): string | undefined => (table.bestRuns.includes(i) ? 'cp-mod-bestRun' : undefined);
  const header = (title: string) => (
    <tr className="cp-Compare-group">
      <th scope="rowgroup" colSpan={runs.length + 1}>
        {title}
      </th>
    </tr>
  );
  return (
    <div className="cp-Compare">
      <div className="cp-Compare-title">
        <h2>{sweepId ? `Sweep of ${path}: ${runs.length} runs` : `Runs of ${path}`}</h2>
        <button className="jp-mod-styled cp-Compare-reload" onClick={onReload} aria-disabled={loading}>
          {loading ? 'Reading…' : 'Read again'}
        </button>
      </div>
      {error && (
        <div className="cp-Error" role="alert">
          {error}
        </div>
      )}
      {table.metrics.length > 0 && (
        <label className="cp-Compare-bestBy">
          Best run by{' '}
          <select className="jp-mod-styled" value={table.bestBy ?? ''} onChange={event => onBestBy(event.target.value || null)}>
            <option value="">(none)</option>
            {table.metrics.map(row => (
              <option key={row.name} value={row.name}>
                {row.name} ({row.direction} is better)
              </option>
            ))}
          </select>
        </label>
      )}
      <table className="cp-Compare-table">
        <thead>
          <tr>
            <th scope="col">run</th>
            {runs.map((run, i) => (
              <th scope="col" key={run.runId} title={run.runId} data-run-id={run.runId} className={bestRun(i)}>
                {run.runId}
                {bestRun(i) && <span className="cp-Compare-bestRun"> ★ best run by {table.bestBy}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">status</th>
            {runs.map((run, i) => (
              <td key={run.runId} className={bestRun(i)}>
                <RunLine run={run} />
              </td>
            ))}
          </tr>
          <tr>
            <th scope="row">started</th>
            {runs.map(run => (
              <td key={run.runId}>{new Date(run.startedAt ?? run.createdAt).toLocaleString()}</td>
            ))}
          </tr>
          <tr>
            <th scope="row">duration</th>
            {table.durations.map((seconds, i) => (
              <td key={runs[i].runId}>{seconds === null ? 'still going' : formatSeconds(seconds)}</td>
            ))}
          </tr>
          {table.parameters.length > 0 && header('Parameters')}
          {table.parameters.map(row => (
            <tr key={`p:${row.name}`} className={row.differs ? 'cp-mod-differs' : undefined} data-parameter={row.name}>
              <th scope="row">{row.name}</th>
              {row.values.map((value, i) => (
                <td key={runs[i].runId} className={bestRun(i)}>
                  {value}
                </td>
              ))}
            </tr>
          ))}
          {table.metrics.length > 0 && header('Metrics')}
          {table.metrics.map(row => (
            <tr key={`m:${row.name}`} data-metric={row.name}>
              <th scope="row">
                {row.name}{' '}
                <button
                  className="cp-Compare-direction"
                  aria-label={`${row.name}: ${row.direction} is better; switch`}
                  title={`${row.direction === 'lower' ? 'Lower' : 'Higher'} is better (click to switch)`}
                  onClick={() => onDirection(row.name, row.direction === 'lower' ? 'higher' : 'lower')}
                >
                  {row.direction === 'lower' ? '↓ lower' : '↑ higher'}
                </button>
              </th>
              {row.values.map((value, i) => {
                const best = row.best.includes(i);
                const classes = [best ? 'cp-mod-best' : '', bestRun(i) ?? ''].filter(Boolean).join(' ');
                return (
                  <td key={runs[i].runId} className={classes || undefined} title={value === undefined ? undefined : String(value)}>
                    {value === undefined ? '—' : formatMetric(value)}
                    {best && <span className="cp-Compare-best"> ★ best</span>}
                  </td>
                );
              })}
            </tr>
          ))}
          {table.steps.length > 0 && header('Steps')}
          {table.steps.map(row => (
            <tr key={`s:${row.name}`} data-step={row.name}>
              <th scope="row">{row.name}</th>
              {row.outcomes.map((outcome, i) => (
                <td key={runs[i].runId}>
                  <Outcome outcome={outcome} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
