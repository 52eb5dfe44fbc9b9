import React from 'react';
import type { Parameter } from '../core/analysis';
import type { RunState } from '../core/run/types';
import { changedParameters } from '../models/runParameters';
import { RunLine } from './RunLine';

export interface RunListProps {
  runs: RunState[];
  currentRunId: string | null;
  /** The notebook's parameters now: a run shows the values it had that differ from their defaults. */
  parameters: readonly Parameter[];
  /** Runs picked for comparison. */
  compared: readonly string[];
  onSelect: (runId: string) => void;
  onToggleCompared: (runId: string) => void;
  onCompare: () => void;
  /** Opens the comparison of a sweep's runs (the ids of those in the list, in grid order). */
  onOpenSweep?: (sweepId: string, runIds: string[]) => void;
}

/** The runs of the list that belong to a sweep, in grid order. */
function sweepRunIds(runs: readonly RunState[], sweepId: string): string[] {
  return runs
    .filter(run => run.sweep?.id === sweepId)
    .sort((a, b) => a.sweep!.index - b.sweep!.index)
    .map(run => run.runId);
}

/** The notebook's runs, newest first: each with its parameters, a box to pick it for comparison. */
export function RunList({ runs, currentRunId, parameters, compared, onSelect, onToggleCompared, onCompare, onOpenSweep }: RunListProps): JSX.Element {
  if (!runs.length) {
    return <div className="cp-SidebarPanel-empty">No runs of this notebook yet.</div>;
  }
  return (
    <>
      <ul className="cp-History">
        {runs.map(run => {
          const changed = changedParameters(run, parameters);
          return (
            <li key={run.runId} className="cp-History-row" data-run-id={run.runId}>
              <input
                type="checkbox"
                className="cp-History-compare"
                aria-label={`compare run ${run.runId}`}
                checked={compared.includes(run.runId)}
                onChange={() => onToggleCompared(run.runId)}
              />
              <button
                className={`cp-History-item${run.runId === currentRunId ? ' cp-mod-current' : ''}`}
                onClick={() => onSelect(run.runId)}
                title={run.runId}
              >
                <RunLine run={run} /> <span className="cp-Muted">{new Date(run.createdAt).toLocaleString()}</span>
                <span className="cp-History-parameters" title={changed.join('\n')}>
                  {changed.length ? changed.join(', ') : 'default parameters'}
                </span>
              </button>
              {run.sweep && onOpenSweep && (
                <button
                  className="jp-mod-styled cp-History-sweep"
                  aria-label={`compare the runs of sweep ${run.sweep.id} (this is point ${run.sweep.index + 1} of ${run.sweep.of})`}
                  title={`Compare the runs of sweep ${run.sweep.id}`}
                  onClick={() => onOpenSweep(run.sweep!.id, sweepRunIds(runs, run.sweep!.id))}
                >
                  sweep {run.sweep.index + 1}/{run.sweep.of}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <div className="cp-Actions">
        <button
          className="jp-mod-styled cp-CompareButton"
          aria-disabled={compared.length < 2}
          title={compared.length < 2 ? 'Tick two runs or more to compare them' : `Compare ${compared.length} runs side by side`}
          onClick={() => compared.length >= 2 && onCompare()}
        >
          Compare {compared.length >= 2 ? `${compared.length} runs` : 'runs'}
        </button>
      </div>
    </>
  );
}
