import type { SweepReport } from '../../../src/core/run/api';
import { formatMetric } from '../../../src/core/run/formatMetric';
import { bestIndices, inferDirection, type MetricDirection } from '../../../src/core/run/metricDirection';
import type { JsonValue } from '../../../src/core/run/types';
import { CellpipeError } from '../errors';

/** The metric a sweep's best run is chosen by, and which way is better. */
export interface SweepMetric {
  name: string;
  direction: MetricDirection;
}

/**
 * `--sweep-metric NAME[:min|max]`; without it the pipeline's first metric. Without `:min` or
 * `:max`, larger is better unless the name says it is an error, a loss or a cost (`loss`, `rmse`,
 * `error_rate`...: smaller), as the sidebar's comparison guesses. Undefined when the runs reported
 * no metric.
 */
export function chooseSweepMetric(report: SweepReport, spec?: string): SweepMetric | undefined {
  if (spec === undefined) {
    const first = report.metrics[0];
    return first === undefined ? undefined : { name: first, direction: inferDirection(first) };
  }
  const suffix = /:(min|max)$/.exec(spec);
  const name = suffix ? spec.slice(0, suffix.index) : spec;
  if (report.metrics.length && !report.metrics.includes(name)) {
    throw new CellpipeError('invalid', `--sweep-metric '${name}': the runs have no such metric (theirs: ${report.metrics.join(', ')})`);
  }
  const direction: MetricDirection = suffix ? (suffix[1] === 'min' ? 'lower' : 'higher') : inferDirection(name);
  return { name, direction };
}

/** Indices (into report.runs) of the best runs by the metric: succeeded runs only, several when tied. */
export function bestRuns(report: SweepReport, metric: SweepMetric | undefined): number[] {
  if (!metric) {
    return [];
  }
  const values = report.runs.map(run => (run.status === 'Succeeded' ? run.metrics[metric.name] : undefined));
  return bestIndices(values, metric.direction);
}

const cellText = (value: JsonValue | undefined): string => (value === undefined ? '-' : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The sweep as a table: one line per grid point (its swept values, status, metrics to four
 * significant digits as the sidebar shows them: `--json` has them in full, the run id), the best
 * marked with `*`, and a line saying by what it is best.
 */
export function formatSweep(report: SweepReport, metric: SweepMetric | undefined): string {
  const best = new Set(bestRuns(report, metric));
  const header = ['', '#', ...report.swept, 'status', ...report.metrics, 'run'];
  const rows = report.runs.map((run, i) => [
    best.has(i) ? '*' : '',
    String((run.sweep?.index ?? i) + 1),
    ...report.swept.map(name => cellText(run.parameters[name])),
    run.status,
    ...report.metrics.map(name => (run.metrics[name] === undefined ? '-' : formatMetric(run.metrics[name]))),
    run.runId
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => row[column].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  const counts = new Map<string, number>();
  report.runs.forEach(run => counts.set(run.status, (counts.get(run.status) ?? 0) + 1));
  const statuses = [...counts].map(([status, n]) => `${n} ${status.toLowerCase()}`).join(', ');
  const missing = report.runs.length < (report.runs[0]?.sweep?.of ?? 0) ? ` of ${report.runs[0].sweep!.of}` : '';
  const by = !metric
    ? 'no metrics: tag a pipeline-metrics cell to pick the best run'
    : best.size
      ? `* best by ${metric.name} (${metric.direction === 'lower' ? 'min' : 'max'})`
      : `no succeeded run has ${metric.name}`;
  return [`sweep ${report.sweepId}: ${report.runs.length}${missing} runs (${statuses})`, line(header), ...rows.map(line), by].join('\n');
}
