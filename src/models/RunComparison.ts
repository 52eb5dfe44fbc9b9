import { ISignal, Signal } from '@lumino/signaling';
import type { CellpipeClient } from '../api/client';
import { isFinished } from '../core/run/api';
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
  /** The metric the best run is picked by (null: none picked), and the indices of the best runs by it: succeeded runs only, several when tied. */
  bestBy: string | null;
  bestRuns: number[];
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

/** The comparison of runs (in the order given): one column per run; `bestBy`: the metric whose best run is marked as the best run. */
export function compareRuns(
  runs: readonly RunState[],
  directions: Readonly<Record<string, MetricDirection>> = {},
  bestBy: string | null = null
): ComparisonTable {
  const parameterNames = union(runs.map(r => Object.keys(r.parameters)));
  const metricNames = union(runs.map(r => Object.keys(r.metrics))).sort();
  const stepNames = union(runs.map(r => r.steps.map(s => s.name)));
  const byMetric = bestBy !== null && metricNames.includes(bestBy) ? bestBy : null;
  const succeeded = (run: RunState): number | undefined => (run.status === 'Succeeded' ? run.metrics[byMetric!] : undefined);
  return {
    bestBy: byMetric,
    bestRuns: byMetric === null ? [] : bestIndices(runs.map(succeeded), directions[byMetric] ?? inferDirection(byMetric)),
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

/** How soon a comparison with runs still going reads them again. */
export const RELOAD_MS = 2000;

/**
 * Runs of one notebook side by side: reads them from the service (its run list of the notebook),
 * keeps the ones chosen, in the order chosen, and the direction the user set for each metric. A
 * sweep's comparison (`sweepId`) reads the sweep's runs instead, in grid order, and marks its best
 * run by the pipeline's first metric until the user picks another. While a run goes, it reads
 * them again every RELOAD_MS.
 */
export class RunComparison {
  private runs: RunState[] = [];
  private directions: Record<string, MetricDirection> = {};
  private _bestBy: string | null | undefined;
  private reload: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private _error: string | null = null;
  private _loading = false;
  private readonly _changed = new Signal<this, void>(this);

  constructor(
    private readonly client: CellpipeClient,
    readonly path: string,
    readonly runIds: readonly string[],
    readonly sweepId?: string
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
    const metrics = union(this.runs.map(r => Object.keys(r.metrics))).sort();
    const bestBy = this._bestBy === undefined ? (this.sweepId === undefined ? null : (metrics[0] ?? null)) : this._bestBy;
    return compareRuns(this.runs, this.directions, bestBy);
  }

  /** Marks the best run by this metric (null: no best run marked). */
  setBestBy(metric: string | null): void {
    this._bestBy = metric;
    this._changed.emit();
  }

  /** Reads the chosen runs again (those still going change). */
  async load(): Promise<void> {
    this._loading = true;
    this._changed.emit();
    try {
      if (this.sweepId !== undefined) {
        this.runs = (await this.client.sweep(this.sweepId)).runs;
        this._error = null;
        return;
      }
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
      clearTimeout(this.reload);
      if (!this.disposed && this.runs.some(run => !isFinished(run.status))) {
        this.reload = setTimeout(() => void this.load(), RELOAD_MS);
      }
    }
  }

  /** Says which way a metric is better (the name's guess is the default). */
  setDirection(metric: string, direction: MetricDirection): void {
    this.directions = { ...this.directions, [metric]: direction };
    this._changed.emit();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.reload);
    Signal.clearData(this);
  }
}
