import type { RunEvent, RunState, StepState } from '../../../src/core/run/types';

/**
 * A fan-out step's items or a distributed step's workers in words (`32 items: 30 succeeded, 1
 * failed, 1 skipped`, `4 workers: 4 succeeded`); '' for other steps.
 */
export function itemsText(step: Pick<StepState, 'instances' | 'workers'>): string {
  const [members, noun] = step.instances ? [step.instances, 'item'] : step.workers ? [step.workers, 'worker'] : [undefined, ''];
  if (!members) {
    return '';
  }
  const counts = new Map<string, number>();
  members.forEach(member => counts.set(member.status, (counts.get(member.status) ?? 0) + 1));
  const parts = [...counts].map(([status, n]) => `${n} ${status.toLowerCase()}`);
  return ` (${members.length} ${noun}${members.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''})`;
}

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
      cached: s.cached,
      // A fan-out step's items' statuses, by item index.
      ...(s.instances ? { instances: s.instances.map(instance => instance.status) } : {}),
      ...(s.workers ? { workers: s.workers.map(worker => worker.status) } : {}),
      ...(s.served ? { served: { name: s.served.name, url: s.served.url, status: s.served.status } } : {})
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

/**
 * Live progress on stderr: one line per step change (a fan-out step's items starting and ending
 * are not changes of its line: it shows once, with its number of items); the steps' own output only
 * with --verbose.
 */
export function progressPrinter(write: (line: string) => void, verbose: boolean): (event: RunEvent) => void {
  const shown = new Map<string, string>();
  return event => {
    switch (event.type) {
      case 'run':
        write(`run ${event.runId}: ${event.status}${event.message ? ` (${event.message})` : ''}`);
        break;
      case 'step': {
        const s = event.step;
        const items = s.instances ? ` (${s.instances.length} item${s.instances.length === 1 ? '' : 's'})` : '';
        const detail = s.status === 'Running' ? items : seconds(s) + (s.message ? `: ${s.message}` : '');
        const line = `  ${s.status.padEnd(9)} ${s.name}${detail}`;
        if (shown.get(s.id) !== line) {
          shown.set(s.id, line);
          write(line);
        }
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
    lines.push(`  ${s.status.padEnd(9)} ${s.name}${seconds(s)}${itemsText(s)}${s.message ? `: ${s.message}` : ''}`);
    if (s.served?.status === 'Ready') {
      lines.push(`            serves ${s.served.name} at ${s.served.url}/v1/models/${s.served.name}:predict`);
    }
  }
  const metrics = Object.entries(state.metrics);
  if (metrics.length) {
    lines.push('metrics:', ...metrics.map(([k, v]) => `  ${k} = ${v}`));
  }
  return lines.join('\n');
}
