/** @jest-environment jsdom */
import { CellpipeClient } from '../api/client';
import { HEALTHY, mockedClient, runStream } from '../__fixtures__/cellpipeClient';
import { notebookPanel, type NotebookPanelFixture } from '../__fixtures__/notebookPanel';
import { runState, stepState } from '../__fixtures__/runStates';
import { step } from '../core/__fixtures__/notebookBuilder';
import type { CompileResult, PackagesReport } from '../core/run/api';
import type { RunStatus } from '../core/run/types';
import { SidebarModel } from './SidebarModel';

jest.mock('../api/client');

const PATH = 'work/pipeline.ipynb';

/** Lets the model's pending promise callbacks run. */
function settle(): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 0));
}

describe('SidebarModel', () => {
  let client: jest.Mocked<CellpipeClient>;
  let model: SidebarModel;
  let fixture: NotebookPanelFixture;

  beforeEach(() => {
    client = mockedClient();
    model = new SidebarModel(client);
    fixture = notebookPanel([
      { code: 'epochs = 5\nrate = 0.1\nname = "base"', tags: ['pipeline-parameters'] },
      step('train', 'model = epochs * rate'),
      step('report', 'print(name)\nprint(model)')
    ]);
  });

  afterEach(() => {
    model.dispose();
    fixture.close();
  });

  describe('service health', () => {
    it('goes from checking to healthy with the report the service gives', async () => {
      const states: string[] = [];
      model.changed.connect(() => states.push(model.health.state));
      await model.checkHealth();
      expect(states).toEqual(['checking', 'healthy']);
      expect(model.health).toEqual({ state: 'healthy', report: HEALTHY });
    });

    it('is unreachable, with the reason, when the service does not answer', async () => {
      client.health.mockRejectedValue(new Error('cannot reach the cellpipe service: TypeError: Failed to fetch'));
      await model.checkHealth();
      expect(model.health).toEqual({ state: 'unreachable', message: 'cannot reach the cellpipe service: TypeError: Failed to fetch' });
    });
  });

  describe('run history', () => {
    it("loads the active notebook's runs and follows the latest while it goes", async () => {
      const going = runState('r2', [stepState('train', 'Running')], { status: 'Running' });
      const done = runState('r1', [stepState('train', 'Succeeded')], { status: 'Succeeded' });
      client.runs.mockResolvedValue([going, done]);
      model.setPanel(fixture.panel);
      await settle();
      expect(client.runs).toHaveBeenCalledWith(PATH);
      expect(model.history.map(r => r.runId)).toEqual(['r2', 'r1']);
      expect(model.run?.runId).toBe('r2');
      expect(client.watch).toHaveBeenCalledTimes(1);
      expect(client.watch.mock.calls[0][0]).toBe('r2');
    });

    it('shows a finished latest run without following it, with its saved outputs', async () => {
      client.runs.mockResolvedValue([runState('r1', [stepState('train', 'Succeeded'), stepState('report', 'Failed')], { status: 'Failed' })]);
      client.stepOutputs.mockResolvedValue([{ name: 'model', type: 'float', serializer: 'pickle', bytes: 21 }]);
      model.setPanel(fixture.panel);
      await settle();
      expect(model.run?.status).toBe('Failed');
      expect(client.watch).not.toHaveBeenCalled();
      expect(client.stepOutputs.mock.calls).toEqual([['r1', 'train']]);
      expect(model.outputsOf('r1', 'train')).toEqual([{ name: 'model', type: 'float', serializer: 'pickle', bytes: 21 }]);
    });

    it('shows why the history could not be loaded', async () => {
      client.runs.mockRejectedValue(new Error('the run store is not readable'));
      model.setPanel(fixture.panel);
      await settle();
      expect(model.history).toEqual([]);
      expect(model.error).toBe('the run store is not readable');
    });

    it('gets local runs of the notebook ready, and not cluster runs', async () => {
      model.setPanel(fixture.panel);
      expect(client.prepareRun).toHaveBeenCalledWith(PATH, undefined);
      const cluster = notebookPanel([step('a', 'x = 1')], 'work/cluster.ipynb', { cellpipe: { backend: 'kubernetes' } });
      model.setPanel(cluster.panel);
      expect(client.prepareRun).toHaveBeenCalledTimes(1);
      cluster.close();
    });

    it('forgets the notebook when its panel closes', async () => {
      model.setPanel(fixture.panel);
      fixture.close();
      expect(model.pipeline).toBeNull();
      expect(model.notebookPath).toBeNull();
    });
  });

  describe('a run', () => {
    const pending = runState('r1', [stepState('train', 'Pending'), stepState('report', 'Pending', { dependsOn: ['train'] })]);

    beforeEach(async () => {
      client.startRun.mockResolvedValue(pending);
      model.setPanel(fixture.panel);
      await settle();
    });

    it('saves the notebook, then starts it on the local backend with the settings', async () => {
      model.settings = { ...model.settings, workers: 3 };
      expect(await model.compileAndRun()).toEqual(pending);
      expect(fixture.save.mock.invocationCallOrder[0]).toBeLessThan(client.startRun.mock.invocationCallOrder[0]);
      expect(client.startRun).toHaveBeenCalledTimes(1);
      expect(client.startRun.mock.calls[0][0]).toEqual({ path: PATH, parameters: {}, backend: 'local', workers: 3, image: 'python:3.11-slim' });
      expect(model.history.map(r => r.runId)).toEqual(['r1']);
      expect(model.busy).toBeNull();
    });

    it("starts on the notebook's own backend, namespace and image", async () => {
      model.writeMetadata('backend', 'kubernetes');
      model.writeMetadata('namespace', 'ml');
      model.writeMetadata('image', 'python:3.12');
      await model.compileAndRun();
      expect(client.startRun.mock.calls[0][0]).toEqual({ path: PATH, parameters: {}, backend: 'kubernetes', namespace: 'ml', image: 'python:3.12' });
    });

    it('saves the notebook and starts a sweep: the grid, the form values of the parameters not swept, the settings', async () => {
      client.startSweep.mockResolvedValue({ sweepId: 's1', runIds: ['r1', 'r2'] });
      const points = [runState('r2', []), runState('r1', [])];
      client.runs.mockResolvedValue(points);
      model.setParameter('epochs', '9');
      model.setParameter('rate', 'fast'); // swept: its text in the form is not sent
      expect(await model.startSweep({ rate: [0.1, 0.5] })).toEqual({ sweepId: 's1', runIds: ['r1', 'r2'] });
      expect(fixture.save.mock.invocationCallOrder[0]).toBeLessThan(client.startSweep.mock.invocationCallOrder[0]);
      expect(client.startSweep.mock.calls[0][0]).toEqual({
        path: PATH,
        parameters: { epochs: 9 },
        grid: { rate: [0.1, 0.5] },
        backend: 'local',
        image: 'python:3.11-slim'
      });
      expect(model.history.map(r => r.runId)).toEqual(['r2', 'r1']);
      model.setParameter('epochs', 'many');
      expect(await model.startSweep({ rate: [0.1, 0.5] })).toBeNull();
      expect(model.error).toBe('Not started: fix the value of epochs (see Parameters), or sweep it.');
      expect(client.startSweep).toHaveBeenCalledTimes(1);
    });

    it('refuses a backend cellpipe does not know instead of sending it', async () => {
      model.writeMetadata('backend', 'slurm');
      expect(await model.compileAndRun()).toBeNull();
      expect(client.startRun).not.toHaveBeenCalled();
      expect(model.error).toMatch(/backend 'slurm' is not one of local, kubernetes, kfp/);
    });

    it('goes from Pending to Running to Succeeded through its events, then shows the final document', async () => {
      const statuses: RunStatus[] = [];
      const changedPaths: string[] = [];
      model.runChanged.connect((_, path) => {
        changedPaths.push(path);
        if (statuses[statuses.length - 1] !== model.run!.status) {
          statuses.push(model.run!.status);
        }
      });
      await model.compileAndRun();
      const stream = runStream(client, 'r1');
      stream.handlers.event({ type: 'run', runId: 'r1', status: 'Running' });
      stream.handlers.event({ type: 'step', runId: 'r1', step: stepState('train', 'Running') });
      expect(model.run!.steps.map(s => s.status)).toEqual(['Running', 'Pending']);
      expect(model.cancellable).toBe(true);
      client.stepOutputs.mockResolvedValue([{ name: 'model', type: 'float', serializer: 'pickle', bytes: 21 }]);
      stream.handlers.event({ type: 'step', runId: 'r1', step: stepState('train', 'Succeeded') });
      stream.handlers.event({ type: 'step', runId: 'r1', step: stepState('report', 'Succeeded') });
      const final = runState('r1', [stepState('train', 'Succeeded'), stepState('report', 'Succeeded')], {
        status: 'Succeeded',
        metrics: { score: 0.5 }
      });
      client.run.mockResolvedValue(final);
      stream.handlers.event({ type: 'run', runId: 'r1', status: 'Succeeded' });
      await settle();
      expect(statuses).toEqual(['Pending', 'Running', 'Succeeded']);
      expect(model.cancellable).toBe(false);
      expect(model.retryable).toBe(false);
      expect(new Set(changedPaths)).toEqual(new Set([PATH]));
      expect(client.run).toHaveBeenCalledWith('r1');
      expect(model.run).toEqual(final);
      expect(model.history).toEqual([final]);
      expect(model.outputsOf('r1', 'train')).toEqual([{ name: 'model', type: 'float', serializer: 'pickle', bytes: 21 }]);
    });

    it('takes the state the stream starts with, and ignores events of other runs', async () => {
      await model.compileAndRun();
      const stream = runStream(client, 'r1');
      stream.handlers.state(runState('r1', [stepState('train', 'Running'), stepState('report', 'Pending')], { status: 'Running' }));
      stream.handlers.event({ type: 'run', runId: 'r0', status: 'Failed' });
      stream.handlers.event({ type: 'step', runId: 'r0', step: stepState('train', 'Failed') });
      expect(model.run!.status).toBe('Running');
      expect(model.run!.steps[0].status).toBe('Running');
    });

    it("keeps a failed step's cell, line and error, and retries the run", async () => {
      await model.compileAndRun();
      const stream = runStream(client, 'r1');
      const failure = { cell: 2, line: 2, error: "NameError: name 'model' is not defined" };
      stream.handlers.event({ type: 'step', runId: 'r1', step: stepState('train', 'Succeeded') });
      stream.handlers.event({
        type: 'step',
        runId: 'r1',
        step: stepState('report', 'Failed', { failure, message: `${failure.error} (<cell 2>, line 2)` })
      });
      client.run.mockResolvedValue({ ...model.run!, status: 'Failed' });
      stream.handlers.event({ type: 'run', runId: 'r1', status: 'Failed', message: 'step report failed' });
      await settle();
      expect(model.run!.status).toBe('Failed');
      expect(model.run!.steps.find(s => s.name === 'report')!.failure).toEqual(failure);
      expect(model.retryable).toBe(true);

      client.retry.mockResolvedValue(runState('r1', [stepState('train', 'Succeeded'), stepState('report', 'Pending')], { status: 'Running' }));
      await model.retry();
      expect(client.retry).toHaveBeenCalledWith('r1');
      expect(model.run!.status).toBe('Running');
      expect(client.watch.mock.calls.map(([runId]) => runId)).toEqual(['r1', 'r1']);
    });

    it('re-runs a finished local run from the selected step, and not while it runs', async () => {
      await model.compileAndRun();
      await model.selectStep('train');
      expect(model.rerunnableFromSelected).toBe(false); // still running
      const stream = runStream(client, 'r1');
      stream.handlers.event({ type: 'step', runId: 'r1', step: stepState('train', 'Succeeded') });
      stream.handlers.event({ type: 'step', runId: 'r1', step: stepState('report', 'Succeeded') });
      client.run.mockResolvedValue({ ...model.run!, status: 'Succeeded' });
      stream.handlers.event({ type: 'run', runId: 'r1', status: 'Succeeded' });
      await settle();
      expect(model.retryable).toBe(false);
      expect(model.rerunnableFromSelected).toBe(true);

      client.retry.mockResolvedValue(runState('r1', [stepState('train', 'Pending'), stepState('report', 'Pending')], { status: 'Running' }));
      await model.rerunFromSelected();
      expect(client.retry).toHaveBeenCalledWith('r1', 'train');
      expect(model.run!.status).toBe('Running');
    });

    it("streams the selected step's log, and only that step's", async () => {
      await model.compileAndRun();
      client.stepLog.mockResolvedValue('epoch 1\n');
      await model.selectStep('train');
      expect(client.stepLog).toHaveBeenCalledWith('r1', 'train');
      const stream = runStream(client, 'r1');
      stream.handlers.event({ type: 'log', runId: 'r1', stepId: 'train', stream: 'stdout', text: 'epoch 2\n' });
      stream.handlers.event({ type: 'log', runId: 'r1', stepId: 'report', stream: 'stdout', text: 'other\n' });
      expect(model.log).toBe('epoch 1\nepoch 2\n');
    });

    it('fetches the executed notebook of the run it shows, and says why when it cannot', async () => {
      expect(await model.executedNotebook()).toBeNull(); // no run shown yet
      await model.compileAndRun();
      client.executedNotebook.mockResolvedValue({ fileName: 'pipeline.r1.ipynb', content: '{}' });
      expect(await model.executedNotebook()).toEqual({ fileName: 'pipeline.r1.ipynb', content: '{}' });
      expect(client.executedNotebook).toHaveBeenCalledWith('r1');
      client.executedNotebook.mockRejectedValue(new Error('run r1 kept no copy of its notebook'));
      expect(await model.executedNotebook()).toBeNull();
      expect(model.error).toBe('run r1 kept no copy of its notebook');
    });

    it('cancels the run it shows', async () => {
      await model.compileAndRun();
      client.cancel.mockResolvedValue({ ...pending, status: 'Cancelled' });
      await model.cancel();
      expect(client.cancel).toHaveBeenCalledWith('r1');
    });

    it('shows why the service refused the run', async () => {
      client.startRun.mockRejectedValue(new Error('the notebook has 1 error'));
      expect(await model.compileAndRun()).toBeNull();
      expect(model.error).toBe('the notebook has 1 error');
      expect(model.busy).toBeNull();
      expect(model.run).toBeNull();
    });

    it('stops following its runs when disposed', async () => {
      await model.compileAndRun();
      const { close } = runStream(client, 'r1');
      model.dispose();
      expect(close).toHaveBeenCalled();
    });
  });

  describe('parameters', () => {
    beforeEach(async () => {
      client.startRun.mockResolvedValue(runState('r1', [stepState('train', 'Pending')]));
      model.setPanel(fixture.panel);
      await settle();
    });

    it('sends the values typed in the form as values of the declared types', async () => {
      model.setParameter('epochs', '10');
      model.setParameter('rate', '5e-1');
      model.setParameter('name', '7');
      expect(model.parameterErrors).toEqual({});
      await model.compileAndRun();
      expect(client.startRun.mock.calls[0][0].parameters).toEqual({ epochs: 10, rate: 0.5, name: '7' });
    });

    it('shows a value that does not fit on its field and does not start the run', async () => {
      model.setParameter('epochs', 'ten');
      model.setParameter('rate', '0.2');
      expect(model.parameterErrors).toEqual({ epochs: expect.stringMatching(/^parameter epochs: 'ten' is not a whole number/) });
      expect(await model.compileAndRun()).toBeNull();
      expect(fixture.save).not.toHaveBeenCalled();
      expect(client.startRun).not.toHaveBeenCalled();
      expect(model.error).toMatch(/epochs/);

      model.setParameter('epochs', '12');
      expect(model.parameterErrors).toEqual({});
      await model.compileAndRun();
      expect(client.startRun.mock.calls[0][0].parameters).toEqual({ epochs: 12, rate: 0.2 });
      expect(model.error).toBeNull();
    });

    it('goes back to the default when a field is emptied', async () => {
      model.setParameter('epochs', '10');
      model.setParameter('epochs', '');
      expect(model.parameterTexts).toEqual({});
      await model.compileAndRun();
      expect(client.startRun.mock.calls[0][0].parameters).toEqual({});
    });

    it('reads the values by the parameters the notebook declares when the run starts', async () => {
      model.setParameter('rate', '0.5');
      model.setParameter('epochs', '7');
      fixture.model.cells.get(0).sharedModel.setSource('epochs = 5.0');
      await model.compileAndRun();
      expect(client.startRun.mock.calls[0][0].parameters).toEqual({ epochs: 7 });
    });

    it("keeps each notebook's values apart", async () => {
      model.setParameter('epochs', '10');
      const other = notebookPanel([{ code: 'epochs = 1', tags: ['parameters'] }, step('a', 'x = epochs')], 'work/other.ipynb');
      model.setPanel(other.panel);
      expect(model.parameterTexts).toEqual({});
      model.setPanel(fixture.panel);
      expect(model.parameterTexts).toEqual({ epochs: '10' });
      other.close();
    });
  });

  describe('compile', () => {
    beforeEach(async () => {
      model.setPanel(fixture.panel);
      await settle();
    });

    it('saves the notebook and returns what the service compiled', async () => {
      const result: CompileResult = { target: 'argo', pipelineName: 'pipeline', files: [{ name: 'pipeline.yaml', content: 'kind: Workflow\n' }] };
      client.compile.mockResolvedValue(result);
      const busy: Array<string | null> = [];
      model.changed.connect(() => busy.push(model.busy));
      expect(await model.compile('argo')).toEqual(result);
      expect(fixture.save).toHaveBeenCalled();
      expect(client.compile).toHaveBeenCalledWith(PATH, 'argo');
      expect(busy[0]).toBe('Compiling…');
      expect(model.busy).toBeNull();
    });

    it('shows why the notebook did not compile', async () => {
      client.compile.mockRejectedValue(new Error('step train: unknown tag value'));
      expect(await model.compile('kfp')).toBeNull();
      expect(model.error).toBe('step train: unknown tag value');
    });
  });

  describe('cluster packages', () => {
    beforeEach(async () => {
      model.setPanel(fixture.panel);
      await settle();
    });

    it('are asked for once the user wants them, after saving, and kept for the notebook', async () => {
      expect(model.packages).toBeNull();
      const report: PackagesReport = {
        python: '/venv/bin/python',
        steps: [
          { name: 'train', packages: ['cloudpickle==3.1.3'] },
          { name: 'report', packages: null }
        ],
        diagnostics: [{ severity: 'warning', code: 'module-not-installed', message: 'module x', cell: 1, line: 1, column: 1 }]
      };
      client.packages.mockResolvedValue(report);
      await model.loadPackages();
      expect(fixture.save).toHaveBeenCalled();
      expect(client.packages).toHaveBeenCalledWith(PATH);
      expect(model.packages).toEqual(report);
      model.setPanel(null);
      expect(model.packages).toBeNull();
    });

    it('shows why they could not be read', async () => {
      client.packages.mockRejectedValue(new Error('cannot run python3 to read its installed packages'));
      await model.loadPackages();
      expect(model.packages).toBeNull();
      expect(model.error).toBe('cannot run python3 to read its installed packages');
    });
  });
  describe('retry with the current code', () => {
    beforeEach(async () => {
      client.startRun.mockResolvedValue(runState('r1', [stepState('train', 'Pending'), stepState('report', 'Pending')], { status: 'Running' }));
      model.setPanel(fixture.panel);
      await settle();
      await model.compileAndRun();
      const stream = runStream(client, 'r1');
      client.run.mockResolvedValue(runState('r1', [stepState('train', 'Succeeded'), stepState('report', 'Failed')], { status: 'Failed' }));
      stream.handlers.event({ type: 'run', runId: 'r1', status: 'Failed' });
      await settle();
      fixture.save.mockClear();
    });

    it('saves the notebook before the service reads it, then follows the new run the service answers with', async () => {
      const order: string[] = [];
      fixture.save.mockImplementation(async () => void order.push('save'));
      client.retry.mockImplementation(async () => {
        order.push('retry');
        return runState('r2', [stepState('train', 'Cached', { cached: true }), stepState('load', 'Pending'), stepState('report', 'Pending')], {
          status: 'Running'
        });
      });
      await model.retry();
      expect(order).toEqual(['save', 'retry']);
      expect(model.run!.runId).toBe('r2');
      expect(model.history.map(r => r.runId)).toEqual(['r2', 'r1']);
      expect(runStream(client, 'r2').close).not.toHaveBeenCalled();
    });

    it("reads the selected step's log again: the log of the attempt now going", async () => {
      client.stepLog.mockResolvedValue('Traceback: the old attempt\n');
      await model.selectStep('report');
      expect(model.log).toBe('Traceback: the old attempt\n');
      client.stepLog.mockResolvedValue('');
      client.retry.mockResolvedValue(runState('r1', [stepState('train', 'Succeeded'), stepState('report', 'Pending')], { status: 'Running' }));
      await model.retry();
      await settle();
      expect(client.stepLog).toHaveBeenLastCalledWith('r1', 'report');
      expect(model.log).toBe('');
      expect(model.history.map(r => r.runId)).toEqual(['r1']);
    });

    it('says why when the notebook cannot be saved, and does not retry', async () => {
      fixture.save.mockRejectedValue(new Error('Permission denied'));
      await model.retry();
      expect(client.retry).not.toHaveBeenCalled();
      expect(model.error).toBe('Permission denied');
    });
  });

  describe('what the panel shows beside the run', () => {
    it('says why Compile and run cannot start: a problem in the notebook, a value that does not fit', async () => {
      model.setPanel(fixture.panel);
      await settle();
      expect(model.runBlockedReason).toBeNull();
      model.setParameter('epochs', 'ten');
      expect(model.runBlockedReason).toBe('Fix the value of epochs (see Parameters).');
      model.setParameter('epochs', '');
      fixture.model.cells.get(1).sharedModel.setSource('model = epochs *');
      model.pipeline!.analyze(); // now, not after the debounce
      expect(model.runBlockedReason).toMatch(/^1 problem to fix first/);
    });

    it("follows the notebook's active cell to its step, and selects a step's cells", async () => {
      model.setPanel(fixture.panel);
      await settle();
      const changed = jest.fn();
      model.changed.connect(changed);
      fixture.notebook.activeCellIndex = 2;
      expect(changed).toHaveBeenCalled();
      expect(model.activeStep).toBe('report');
      model.selectStepCells('train');
      expect(fixture.notebook.activeCellIndex).toBe(1);
      expect(model.activeStep).toBe('train');
    });

    it('re-renders on a rename, and forgets the notice of the notebook left', async () => {
      model.setPanel(fixture.panel);
      await settle();
      const changed = jest.fn();
      model.changed.connect(changed);
      fixture.rename('work/renamed.ipynb');
      expect(changed).toHaveBeenCalled();
      expect(model.notebookPath).toBe('work/renamed.ipynb');
      model.setNotice('Downloaded pipeline.argo.yaml');
      const other = notebookPanel([step('only', 'x = 1')], 'work/other.ipynb');
      model.setPanel(other.panel);
      expect(model.notice).toBeNull();
      other.close();
    });

    it('keeps the runs picked for comparison per notebook, in the order picked', async () => {
      client.runs.mockResolvedValue(['r1', 'r2', 'r3'].map(id => runState(id, [], { status: 'Succeeded' })));
      model.setPanel(fixture.panel);
      await settle();
      model.toggleCompared('r3');
      model.toggleCompared('r1');
      model.toggleCompared('r2');
      model.toggleCompared('r1');
      expect(model.comparedRunIds).toEqual(['r3', 'r2']);
      model.setPanel(null);
      expect(model.comparedRunIds).toEqual([]);
    });
  });
});
