import type { SweepReport } from '../../../src/core/run/api';
import type { RunState, RunStatus } from '../../../src/core/run/types';
import { bestRuns, chooseSweepMetric, formatSweep } from './sweepTable';

function point(index: number, status: RunStatus, metrics: Record<string, number>): RunState {
  return {
    runId: `run-${index}`,
    backend: 'local',
    pipelineName: 'p',
    status,
    createdAt: '2026-12-04T08:00:00Z',
    parameters: { depth: index + 1, label: 'a,b' },
    steps: [],
    metrics,
    sweep: { id: 'sweep-1', index, of: 4, values: { depth: index + 1 } }
  };
}

const report = (runs: RunState[]): SweepReport => ({
  sweepId: 'sweep-1',
  swept: ['depth'],
  metrics: [...new Set(runs.flatMap(run => Object.keys(run.metrics)))].sort(),
  runs
});

describe('the sweep table', () => {
  const runs = [
    point(0, 'Succeeded', { accuracy: 0.8, val_loss: 0.5 }),
    point(1, 'Succeeded', { accuracy: 0.9, val_loss: 0.2 }),
    point(2, 'Failed', { accuracy: 0.99 }),
    point(3, 'Succeeded', { accuracy: 0.9, val_loss: 0.4 })
  ];

  it("picks the pipeline's first metric, larger better unless its name says loss, error or cost", () => {
    expect(chooseSweepMetric(report(runs))).toEqual({ name: 'accuracy', direction: 'higher' });
    expect(chooseSweepMetric(report(runs), 'val_loss')).toEqual({ name: 'val_loss', direction: 'lower' });
    expect(chooseSweepMetric(report(runs), 'val_loss:max')).toEqual({ name: 'val_loss', direction: 'higher' });
    expect(chooseSweepMetric(report([point(0, 'Succeeded', {})]))).toBeUndefined();
  });

  it('marks the best of the runs that succeeded, ties included', () => {
    expect(bestRuns(report(runs), { name: 'accuracy', direction: 'higher' })).toEqual([1, 3]);
    expect(bestRuns(report(runs), { name: 'val_loss', direction: 'lower' })).toEqual([1]);
  });

  it('shows the points one a line, a missing metric as -, and says which points are missing', () => {
    const text = formatSweep(report(runs.slice(0, 3)), { name: 'accuracy', direction: 'higher' });
    expect(text.split('\n')).toEqual([
      'sweep sweep-1: 3 of 4 runs (2 succeeded, 1 failed)',
      '   #  depth  status     accuracy  val_loss  run',
      '   1  1      Succeeded  0.8       0.5       run-0',
      '*  2  2      Succeeded  0.9       0.2       run-1',
      '   3  3      Failed     0.99      -         run-2',
      '* best by accuracy (max)'
    ]);
    expect(formatSweep(report([point(0, 'Succeeded', {})]), undefined)).toMatch(/no metrics: tag a pipeline-metrics cell/);
  });
});
