import type { Command } from 'commander';
import type { SweepReport } from '../../../src/core/run/api';
import type { RunEvent } from '../../../src/core/run/types';
import type { StartSweepRequest, SweepHandle } from '../app/runService';
import { cliRunService, type CliRunFlags } from './cliRuns';
import { progressPrinter, runSummary } from './runOutput';
import { bestRuns, chooseSweepMetric, formatSweep } from './sweepTable';

export interface SweepFlags extends CliRunFlags {
  json?: boolean;
  sweepMetric?: string;
}

/**
 * Progress of a sweep's runs on stderr: each run's lines as `cellpipe run` prints them, prefixed
 * with its point of the grid (`[2/6]`). A run's first events come before its start returns its id:
 * they wait until the run is named.
 */
function sweepProgress(verbose: boolean): { onEvent: (event: RunEvent) => void; name: (runId: string, label: string) => void } {
  const printers = new Map<string, (event: RunEvent) => void>();
  const early = new Map<string, RunEvent[]>();
  return {
    name: (runId, label) => {
      const print = progressPrinter(line => process.stderr.write(`${label} ${line.trimStart()}\n`), verbose);
      printers.set(runId, print);
      (early.get(runId) ?? []).forEach(print);
      early.delete(runId);
    },
    onEvent: event => {
      const print = printers.get(event.runId);
      if (print) {
        print(event);
      } else {
        early.set(event.runId, [...(early.get(event.runId) ?? []), event]);
      }
    }
  };
}

/** The report as `--json` prints it: the table's rows as run summaries with their swept values, and the best run. */
function sweepJson(report: SweepReport, metricSpec?: string): object {
  const metric = chooseSweepMetric(report, metricSpec);
  const best = bestRuns(report, metric);
  return {
    sweepId: report.sweepId,
    metric: metric ? { name: metric.name, direction: metric.direction === 'lower' ? 'min' : 'max' } : null,
    best: best.map(i => report.runs[i].runId),
    runs: report.runs.map(run => ({ index: run.sweep?.index, values: run.sweep?.values, ...runSummary(run) }))
  };
}

function printSweep(report: SweepReport, flags: SweepFlags): void {
  const text = flags.json ? JSON.stringify(sweepJson(report, flags.sweepMetric)) : formatSweep(report, chooseSweepMetric(report, flags.sweepMetric));
  process.stdout.write(text + '\n');
}

/**
 * `cellpipe run NB --sweep NAME=V1,V2 ...`: one run per point of the grid, followed together
 * (Ctrl-C cancels them all), then the table of the points with the best marked. Exit code 0 only
 * when every run succeeded.
 */
export async function runSweep(request: StartSweepRequest, flags: SweepFlags): Promise<void> {
  const progress = sweepProgress(!!flags.verbose);
  const runs = cliRunService(flags, progress.onEvent);
  const handle: SweepHandle = await runs.startSweep(request);
  handle.runs.forEach((run, i) => progress.name(run.runId, `[${i + 1}/${handle.runs.length}]`));
  process.stderr.write(`sweep ${handle.sweepId}: ${handle.runs.length} runs\n`);
  const interrupt = (): void => {
    process.stderr.write('cancelling the sweep…\n');
    handle.runs.forEach(run => run.cancel());
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const states = await Promise.all(handle.runs.map(run => run.done));
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  printSweep(await runs.sweep(handle.sweepId), flags);
  process.exitCode = states.every(state => state.status === 'Succeeded') ? 0 : 1;
}

/** `cellpipe sweep ID`: a sweep's runs side by side, from the run store. */
export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description("show a parameter sweep's runs side by side (parameters, status, metrics), the best marked")
    .argument('<sweep>', 'sweep id (`cellpipe run NB --sweep ...` prints it)')
    .option('--sweep-metric <name[:min|max]>', "the metric the best run is chosen by (default: the pipeline's first)")
    .option('--json', 'print JSON')
    .action(async (sweepId: string, flags: SweepFlags) => {
      printSweep(await cliRunService().sweep(sweepId), flags);
    });
}
