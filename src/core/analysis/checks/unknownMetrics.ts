/** `unknown-metric`: a `pipeline-metrics` cell names something no step computes above it. */
import { BUILTINS } from '../builtins';
import type { DataflowCheck, ReportDiagnostic } from '../dataflowCheck';
import type { NameSite } from '../types';

export class UnknownMetrics implements DataflowCheck {
  constructor(private readonly report: ReportDiagnostic) {}

  metricUnknown(name: string, cell: number, site: NameSite): void {
    if (BUILTINS.has(name)) {
      return;
    }
    this.report(
      'warning',
      'unknown-metric',
      `Metric '${name}' is not a value any step computes above this cell; it is not reported. List names of numbers the steps compute.`,
      cell,
      site
    );
  }
}
