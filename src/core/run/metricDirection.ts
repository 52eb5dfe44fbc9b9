/**
 * Which way a metric is better, and which runs hold its best value: shared by the run comparison
 * (the sidebar's, a sweep's) and the CLI's sweep table.
 */

/** Whether a smaller or a larger value of a metric is better. */
export type MetricDirection = 'lower' | 'higher';

/** Names of errors, losses and costs: smaller is better. Any other metric: larger is better. */
const LOWER_IS_BETTER = /(^|[^a-z])(loss|error|err|mse|rmse|mae|mape|msle|cost|perplexity|latency|duration|time)s?($|[^a-z])/i;

export function inferDirection(name: string): MetricDirection {
  return LOWER_IS_BETTER.test(name.replace(/([a-z])([A-Z])/g, '$1_$2')) ? 'lower' : 'higher';
}

/** Indices of the values that are best (several when tied; none when no value is a finite number). */
export function bestIndices(values: ReadonlyArray<number | undefined>, direction: MetricDirection): number[] {
  const present = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (!present.length) {
    return [];
  }
  const target = direction === 'lower' ? Math.min(...present) : Math.max(...present);
  return values.flatMap((v, i) => (v === target ? [i] : []));
}
