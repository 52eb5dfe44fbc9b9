import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { observedState, runnerGone } from '../backends/local/localBackend';
import { RunStore } from '../backends/local/runStore';
import { killGroup } from '../backends/local/stepProcess';
import { formatRun, runSummary } from './runOutput';
import { cancelRemote, currentState, remoteStepLog } from './remoteRun';

/** `cellpipe runs`, `status`, `logs`, `cancel`: read and steer runs in the run store ($CELLPIPE_HOME). */
export function registerRunCommands(program: Command): void {
  program
    .command('runs')
    .description('list the runs in the run store, newest first')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const store = new RunStore();
      const states = store.loadAll().map(observedState);
      if (options.json) {
        process.stdout.write(JSON.stringify(states.map(runSummary)) + '\n');
        return;
      }
      if (!states.length) {
        process.stdout.write(`no runs in ${store.home}\n`);
      }
      for (const s of states) {
        const done = s.steps.filter(x => x.status === 'Succeeded' || x.status === 'Cached').length;
        process.stdout.write(`${s.runId}  ${s.status.padEnd(9)}  ${done}/${s.steps.length} steps  ${s.createdAt}\n`);
      }
    });

  program
    .command('status')
    .description('show the status of a run')
    .argument('<run>', 'run id')
    .option('--json', 'print JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      const store = new RunStore();
      const state = observedState(await currentState(store, store.load(runId)));
      process.stdout.write((options.json ? JSON.stringify(runSummary(state)) : formatRun(state)) + '\n');
    });

  program
    .command('logs')
    .description("print what a step's code printed (its stdout and stderr)")
    .argument('<run>', 'run id')
    .argument('<step>', 'step name or id')
    .action(async (runId: string, stepName: string) => {
      const store = new RunStore();
      const state = store.load(runId);
      const step = state.steps.find(s => s.name === stepName) ?? state.steps.find(s => s.id === stepName);
      if (!step) {
        throw new Error(`run '${runId}' has no step '${stepName}'; its steps: ${state.steps.map(s => s.name).join(', ')}`);
      }
      const remote = await remoteStepLog(store, state, step.id);
      if (remote !== undefined) {
        process.stdout.write(remote);
        return;
      }
      const path = store.logPath(runId, step.id);
      process.stdout.write(existsSync(path) ? readFileSync(path) : '');
    });

  program
    .command('cancel')
    .description('cancel a running run')
    .argument('<run>', 'run id')
    .action(async (runId: string) => {
      const store = new RunStore();
      const state = await currentState(store, store.load(runId));
      if (state.status !== 'Running' && state.status !== 'Pending') {
        process.stdout.write(`run ${runId} is ${state.status}: nothing to cancel\n`);
        return;
      }
      if (await cancelRemote(state)) {
        return;
      }
      if (!runnerGone(state)) {
        // The runner polls for this marker, kills its steps and records the cancellation.
        writeFileSync(store.cancelMarker(runId), new Date().toISOString());
        process.stdout.write(`cancel requested for run ${runId}\n`);
        return;
      }
      for (const step of state.steps) {
        if (step.pid) {
          killGroup(step.pid, 'SIGKILL');
        }
        if (step.status === 'Running' || step.status === 'Pending') {
          Object.assign(step, { status: 'Cancelled', pid: undefined, message: 'cancelled' });
        }
      }
      store.save({ ...state, status: 'Cancelled', finishedAt: new Date().toISOString() });
      process.stdout.write(`run ${runId} cancelled (its runner had stopped)\n`);
    });
}
