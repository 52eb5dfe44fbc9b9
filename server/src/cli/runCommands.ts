import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { legacyStoreHint } from '../backends/runStore';
import { formatCellOutputs } from './cellOutputsText';
import { cliRunService } from './cliRuns';
import { formatRun, runSummary } from './runOutput';
import { stepMember } from '../app/stepMember';
import { listServedModels, stopModelServer } from '../backends/local/modelServer';

/** `cellpipe runs`, `status`, `logs`, `outputs`, `cancel`, `models`: read and steer runs in the run store ($CELLPIPE_HOME). */
export function registerRunCommands(program: Command): void {
  program
    .command('models')
    .description("list the models local runs serve (serve: steps), or stop one's server (--stop NAME)")
    .option('--stop <name>', "stop that model's server")
    .action((options: { stop?: string }) => {
      const modelsDir = cliRunService().store.modelsDir();
      if (options.stop !== undefined) {
        const stopped = stopModelServer(modelsDir, options.stop);
        process.stdout.write(stopped ? `stopped the server of ${options.stop}\n` : `no server of ${options.stop} is running\n`);
        return;
      }
      const models = listServedModels(modelsDir);
      if (!models.length) {
        process.stdout.write(`no served models in ${modelsDir}\n`);
      }
      for (const model of models) {
        const where = model.running ? `${model.url}/v1/models/${model.name}:predict` : 'stopped';
        process.stdout.write(`${model.name}  ${model.version}  ${where}\n`);
      }
    });

  program
    .command('runs')
    .description('list the runs in the run store, newest first')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const runs = cliRunService();
      const { runs: states, unreadable } = await runs.list();
      for (const bad of unreadable) {
        process.stderr.write(`cellpipe: skipped run ${bad.runId}: ${bad.problem}\n`);
      }
      if (options.json) {
        process.stdout.write(JSON.stringify(states.map(runSummary)) + '\n');
        return;
      }
      if (!states.length) {
        process.stdout.write(`no${unreadable.length ? ' readable' : ''} runs in ${runs.store.home}\n`);
      }
      const legacy = legacyStoreHint(runs.store);
      if (legacy) {
        process.stderr.write(`${legacy}\n`);
      }
      for (const s of states) {
        const done = s.steps.filter(x => x.status === 'Succeeded' || x.status === 'Cached').length;
        const sweep = s.sweep ? `  sweep ${s.sweep.id} (${s.sweep.index + 1}/${s.sweep.of})` : '';
        process.stdout.write(`${s.runId}  ${s.status.padEnd(9)}  ${done}/${s.steps.length} steps  ${s.createdAt}${sweep}\n`);
      }
    });

  program
    .command('status')
    .description('show the status of a run')
    .argument('<run>', 'run id')
    .option('--json', 'print JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      const state = await cliRunService().state(runId);
      process.stdout.write((options.json ? JSON.stringify(runSummary(state)) : formatRun(state)) + '\n');
    });

  program
    .command('logs')
    .description("print what a step's code printed (its stdout and stderr)")
    .argument('<run>', 'run id')
    .argument('<step>', 'step name or id')
    .option('--item <n>', "one item's log, of a fan-out step (1 is the first)")
    .option('--rank <n>', "one worker's log, of a distributed step (rank 0's is the step's)")
    .action(async (runId: string, step: string, options: { item?: string; rank?: string }) => {
      process.stdout.write(await cliRunService().stepLog(runId, step, stepMember(options.item, options.rank, 1)));
    });

  program
    .command('outputs')
    .description("show what a run's cells showed, or write the executed notebook (-o FILE.ipynb; -o - prints it)")
    .argument('<run>', 'run id')
    .option('--step <step>', "only this step's cells (name or id)")
    .option('-o, --output <file>', 'write the executed notebook: every cell with its outputs from the run and its execution count')
    .action(async (runId: string, options: { step?: string; output?: string }) => {
      const runs = cliRunService();
      if (options.output === undefined) {
        const { cells, note } = runs.cellOutputs(runId, options.step);
        const none = `run ${runId} has no cell outputs${options.step ? ` for step ${options.step}` : ''}${note ? `: ${note}` : ''}\n`;
        process.stdout.write(cells.length ? formatCellOutputs(cells) : none);
        return;
      }
      const { notebook } = runs.executedNotebook(runId);
      const json = JSON.stringify(notebook, null, 1) + '\n';
      if (options.output === '-') {
        process.stdout.write(json);
        return;
      }
      writeFileSync(options.output, json);
      process.stderr.write(`wrote the executed notebook of run ${runId} to ${options.output}\n`);
    });

  program
    .command('cancel')
    .description('cancel a running run')
    .argument('<run>', 'run id')
    .action(async (runId: string) => {
      process.stdout.write((await cliRunService().cancel(runId)) + '\n');
    });
}
