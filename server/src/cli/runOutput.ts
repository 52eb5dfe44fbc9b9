import type { RunEvent, RunState } from '../../../src/core/run/types';

/** The JSON that `cellpipe run --json`, `retry --json` and `status --json` print. */
export function runSummary(state: RunState): object {
  return {
    runId: state.runId,
    status: state.status,
    steps: state.steps.map(s => ({
      name: s.name,
      status: s.status,
      startedAt: s.startedAt ?? null,
      finishedAt: s.finishedAt ?? null,
      cached: s.cached
    })),
    metrics: state.metrics,
    ...(state.message ? { message: state.message } : {})
  };
}

function seconds(step: { startedAt?: string; finishedAt?: string }): string {
  if (!step.startedAt || !step.finishedAt) {
    return '';
  }
  return ` in ${((Date.parse(step.finishedAt) - Date.parse(step.startedAt)) / 1000).toFixed(2)}s`;
}

/** Live progress on stderr: one line per step change; the steps' own output only with --verbose. */
export function progressPrinter(write: (line: string) => void, verbose: boolean): (event: RunEvent) => void {
  return event => {
    switch (event.type) {
      case 'run':
        write(`run ${event.runId}: ${event.status}${event.message ? ` (${event.message})` : ''}`);
        break;
      case 'step': {
        const s = event.step;
        const detail = s.status === 'Running' ? '' : seconds(s) + (s.message ? `: ${s.message}` : '');
        write(`  ${s.status.padEnd(9)} ${s.name}${detail}`);
        break;
      }
      case 'log':
        if (verbose) {
          for (const line of event.text.replace(/\n$/, '').split('\n')) {
            write(`    ${event.stepId} | ${line}`);
          }
        }
        break;
    }
  };
}

/** A human-readable table of a run, for `cellpipe status RUN`. */
export function formatRun(state: RunState): string {
  const lines = [
    `run ${state.runId} (${state.backend}): ${state.status}${state.message ? ` - ${state.message}` : ''}`,
    `pipeline ${state.pipelineName}${state.notebookPath ? ` from ${state.notebookPath}` : ''}, created ${state.createdAt}`
  ];
  for (const s of state.steps) {
    lines.push(`  ${s.status.padEnd(9)} ${s.name}${seconds(s)}${s.message ? `: ${s.message}` : ''}`);
  }
  const metrics = Object.entries(state.metrics);
  if (metrics.length) {
    lines.push('metrics:', ...metrics.map(([k, v]) => `  ${k} = ${v}`));
  }
  return lines.join('\n');
}
