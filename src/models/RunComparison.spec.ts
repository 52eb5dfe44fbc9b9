import { CellpipeClient } from '../api/client';
import { mockedClient } from '../__fixtures__/cellpipeClient';
import { runState, stepState } from '../__fixtures__/runStates';
import { compareRuns, inferDirection, RELOAD_MS, RunComparison } from './RunComparison';

jest.mock('../api/client');

const PATH = 'work/pipeline.ipynb';

const first = runState('r1', [stepState('load', 'Succeeded'), stepState('train', 'Succeeded'), stepState('report', 'Succeeded')], {
  status: 'Succeeded',
  startedAt: '2026-12-04T08:00:00.000Z',
  finishedAt: '2026-12-04T08:00:04.500Z',
  parameters: { epochs: 5, name: 'base' },
  metrics: { accuracy: 0.81, val_loss: 0.42 }
});
const second = runState('r2', [stepState('load', 'Cached', { cached: true }), stepState('train', 'Failed'), stepState('report', 'Skipped')], {
  status: 'Failed',
  startedAt: '2026-12-04T09:00:00.000Z',
  parameters: { epochs: 9, name: 'base' },
  metrics: { accuracy: 0.9, val_loss: 0.5 }
});
const third = runState('r3', [stepState('load', 'Succeeded', { cached: true }), stepState('train', 'Succeeded')], {
  status: 'Succeeded',
  startedAt: '2026-12-04T10:00:00.000Z',
  finishedAt: '2026-12-04T10:00:02.000Z',
  parameters: { epochs: 9, name: 'wide' },
  metrics: { accuracy: 0.9, val_loss: 0.3 }
});

describe('inferDirection', () => {
  it.each([
    ['loss', 'lower'],
    ['val_loss', 'lower'],
    ['rmse', 'lower'],
    ['MAE', 'lower'],
    ['trainError', 'lower'],
    ['accuracy', 'higher'],
    ['f1', 'higher'],
    ['r2', 'higher'],
    ['glossary_size', 'higher']
  ])('%s: %s is better', (name, direction) => {
    expect(inferDirection(name)).toBe(direction);
  });
});

describe('compareRuns', () => {
  it('puts each parameter, metric and step in a row with one value per run', () => {
    const table = compareRuns([first, second, third]);
    expect(table.durations).toEqual([4.5, null, 2]);
    expect(table.parameters).toEqual([
      { name: 'epochs', values: ['5', '9', '9'], differs: true },
      { name: 'name', values: ['base', 'base', 'wide'], differs: true }
    ]);
    expect(table.steps).toEqual([
      { name: 'load', outcomes: ['ran', 'cached', 'cached'] },
      { name: 'train', outcomes: ['ran', 'failed', 'ran'] },
      { name: 'report', outcomes: ['ran', 'skipped', 'absent'] }
    ]);
  });

  it('marks the best value of each metric, ties included, lower for losses and higher otherwise', () => {
    const [accuracy, loss] = compareRuns([first, second, third]).metrics;
    expect(accuracy).toEqual({ name: 'accuracy', direction: 'higher', values: [0.81, 0.9, 0.9], best: [1, 2] });
    expect(loss).toEqual({ name: 'val_loss', direction: 'lower', values: [0.42, 0.5, 0.3], best: [2] });
  });

  it('marks the best run by the metric picked: succeeded runs only, ties included', () => {
    expect(compareRuns([first, second, third]).bestRuns).toEqual([]);
    expect(compareRuns([first, second, third], {}, 'accuracy')).toMatchObject({ bestBy: 'accuracy', bestRuns: [2] });
    expect(compareRuns([first, second, third], { val_loss: 'higher' }, 'val_loss').bestRuns).toEqual([0]);
    expect(compareRuns([first, third], {}, 'nope')).toMatchObject({ bestBy: null, bestRuns: [] });
  });

  it('follows the direction the user sets, and marks nothing with a single value', () => {
    const table = compareRuns([first, runState('r4', [], { metrics: {} })], { accuracy: 'lower' });
    expect(table.metrics[0]).toEqual({ name: 'accuracy', direction: 'lower', values: [0.81, undefined], best: [] });
  });
});

describe('RunComparison', () => {
  let client: jest.Mocked<CellpipeClient>;

  beforeEach(() => {
    client = mockedClient();
    client.runs.mockResolvedValue([third, second, first]);
  });

  it("reads the notebook's runs from the service and keeps the chosen ones in the order chosen", async () => {
    const comparison = new RunComparison(client, PATH, ['r1', 'r3']);
    const seen: boolean[] = [];
    comparison.changed.connect(() => seen.push(comparison.loading));
    await comparison.load();
    expect(client.runs).toHaveBeenCalledWith(PATH);
    expect(comparison.table.runs.map(r => r.runId)).toEqual(['r1', 'r3']);
    expect(comparison.error).toBeNull();
    expect(seen).toEqual([true, false]);
  });

  it('says which chosen runs the store no longer has', async () => {
    const comparison = new RunComparison(client, PATH, ['r1', 'gone']);
    await comparison.load();
    expect(comparison.table.runs.map(r => r.runId)).toEqual(['r1']);
    expect(comparison.error).toBe('No longer in the run store: gone');
  });

  it('says why when the service cannot answer', async () => {
    client.runs.mockRejectedValue(new Error('cannot reach the cellpipe service'));
    const comparison = new RunComparison(client, PATH, ['r1', 'r2']);
    await comparison.load();
    expect(comparison.error).toBe('cannot reach the cellpipe service');
    expect(comparison.loading).toBe(false);
  });

  it("reads a sweep's runs in grid order and marks its best run by the first metric until another is picked", async () => {
    client.sweep.mockResolvedValue({ sweepId: 's1', swept: ['epochs'], metrics: ['accuracy', 'val_loss'], runs: [first, third] });
    const comparison = new RunComparison(client, PATH, ['r1', 'r3'], 's1');
    await comparison.load();
    expect(client.sweep).toHaveBeenCalledWith('s1');
    expect(client.runs).not.toHaveBeenCalled();
    expect(comparison.table).toMatchObject({ bestBy: 'accuracy', bestRuns: [1] });
    comparison.setBestBy('val_loss');
    expect(comparison.table).toMatchObject({ bestBy: 'val_loss', bestRuns: [1] });
    comparison.setDirection('val_loss', 'higher');
    expect(comparison.table.bestRuns).toEqual([0]);
    comparison.setBestBy(null);
    expect(comparison.table).toMatchObject({ bestBy: null, bestRuns: [] });
  });

  it('reads the runs again while one goes, and stops once all have ended or the view is closed', async () => {
    jest.useFakeTimers();
    try {
      const going = { ...third, status: 'Running' as const, finishedAt: undefined };
      client.runs.mockResolvedValueOnce([first, going]).mockResolvedValue([first, third]);
      const comparison = new RunComparison(client, PATH, ['r1', 'r3']);
      await comparison.load();
      expect(client.runs).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(RELOAD_MS);
      expect(client.runs).toHaveBeenCalledTimes(2);
      expect(comparison.table.runs[1].status).toBe('Succeeded');
      await jest.advanceTimersByTimeAsync(RELOAD_MS * 3);
      expect(client.runs).toHaveBeenCalledTimes(2);

      client.runs.mockResolvedValue([first, going]);
      const closed = new RunComparison(client, PATH, ['r1', 'r3']);
      await closed.load();
      closed.dispose();
      await jest.advanceTimersByTimeAsync(RELOAD_MS * 3);
      expect(client.runs).toHaveBeenCalledTimes(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('re-marks the best value when the user turns a metric around', async () => {
    const comparison = new RunComparison(client, PATH, ['r1', 'r2', 'r3']);
    await comparison.load();
    const changed = jest.fn();
    comparison.changed.connect(changed);
    comparison.setDirection('val_loss', 'higher');
    expect(changed).toHaveBeenCalledTimes(1);
    expect(comparison.table.metrics.find(m => m.name === 'val_loss')!.best).toEqual([1]);
  });
});
