import { ISignal, Signal } from '@lumino/signaling';
import type { CellpipeClient } from '../api/client';
import type { RunState, StepState } from '../core/run/types';
import { bestIndices, inferDirection, type MetricDirection } from '../core/run/metricDirection';
import { parameterText } from './runParameters';

export { inferDirection, type MetricDirection };

/** What happened to a step in a run, as the comparison words it. */
export type StepOutcome = 'ran' | 'cached' | 'failed' | 'skipped' | 'cancelled' | 'not run' | 'absent';

export interface MetricRow {
  name: string;
  direction: MetricDirection;
  /** One per run, in the runs' order; undefined where the run has no such metric. */
  values: Array<number | undefined>;
  /** Indices of the runs holding the best value (several when tied; none without values). */
  best: number[];
}

export interface ComparisonTable {
  runs: RunState[];
  /** Seconds from start to end (or null while a run goes). */
  durations: Array<number | null>;
  parameters: Array<{ name: string; values: string[]; differs: boolean }>;
  metrics: MetricRow[];
  steps: Array<{ name: string; outcomes: StepOutcome[] }>;
}

function outcome(step: StepState | undefined): StepOutcome {
  if (!step) {
    return 'absent';
  }
  switch (step.status) {
    case 'Succeeded':
      return step.cached ? 'cached' : 'ran';
    case 'Cached':
      return 'cached';
    case 'Failed':
      return 'failed';
    case 'Skipped':
      return 'skipped';
    case 'Cancelled':
      return 'cancelled';
    default:
      return 'not run';
  }
}

function seconds(run: RunState): number | null {
  const start = Date.parse(run.startedAt ?? run.createdAt);
  const end = run.finishedAt ? Date.parse(run.finishedAt) : NaN;
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, (end - start) / 1000) : null;
}

function union(lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

/** The comparison of runs (in the order given): one column per run. */
export function compareRuns(runs: readonly RunState[], directions: Readonly<Record<string, MetricDirection>> = {}): ComparisonTable {
  const parameterNames = union(runs.map(r => Object.keys(r.parameters)));
  const metricNames = union(runs.map(r => Object.keys(r.metrics))).sort();
  const stepNames = union(runs.map(r => r.steps.map(s => s.name)));
  return {
    runs: [...runs],
    durations: runs.map(seconds),
    parameters: parameterNames.map(name => {
      const values = runs.map(r => parameterText(r.parameters[name]));
      return { name, values, differs: new Set(values).size > 1 };
    }),
    metrics: metricNames.map(name => {
      const direction = directions[name] ?? inferDirection(name);
      const values = runs.map(r => (Number.isFinite(r.metrics[name]) ? r.metrics[name] : undefined));
      const best = values.filter(v => v !== undefined).length > 1 ? bestIndices(values, direction) : [];
      return { name, direction, values, best };
    }),
    steps: stepNames.map(name => ({ name, outcomes: runs.map(r => outcome(r.steps.find(s => s.name === name))) }))
  };
}

/**
 * Runs of one notebook side by side: reads them from the service (its run list of the notebook),
 * keeps the ones chosen, in the order chosen, and the direction the user set for each metric.
 */
export class RunComparison {
  private runs: RunState[] = [];
  private directions: Record<string, MetricDirection> = {};
  private _error: string | null = null;
  private _loading = false;
  private readonly _changed = new Signal<this, void>(this);

  constructor(
    private readonly client: CellpipeClient,
    readonly path: string,
    readonly runIds: readonly string[]
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get error(): string | null {
    return this._error;
  }

  get loading(): boolean {
    return this._loading;
  }

  get table(): ComparisonTable {
    return compareRuns(this.runs, this.directions);
  }

  /** Reads the chosen runs again (those still going change). */
  async load(): Promise<void> {
    this._loading = true;
    this._changed.emit();
    try {
      const all = await this.client.runs(this.path);
      const byId = new Map(all.map(r => [r.runId, r]));
      this.runs = this.runIds.flatMap(id => (byId.has(id) ? [byId.get(id)!] : []));
      const missing = this.runIds.filter(id => !byId.has(id));
      this._error = missing.length ? `No longer in the run store: ${missing.join(', ')}` : null;
    } catch (error) {
      this._error = error instanceof Error ? error.message : String(error);
    } finally {
      this._loading = false;
      this._changed.emit();
    }
  }

  /** Says which way a metric is better (the name's guess is the default). */
  setDirection(metric: string, direction: MetricDirection): void {
    this.directions = { ...this.directions, [metric]: direction };
    this._changed.emit();
  }

  dispose(): void {
    Signal.clearData(this);
  }
}
