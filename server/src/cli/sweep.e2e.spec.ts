/**
 * `cellpipe run NB --sweep ...` and `cellpipe sweep ID`, end to end: the CLI bundled from this
 * checkout runs a real notebook with real Python, once per point of the grid.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNotebook } from '../equivalence/notebookBuilder';
import { cli, testPython } from '../testing/cliProcess';

const TIMEOUT = 120_000;
let home: string;
let work: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'cellpipe-sweep-home-'));
  work = mkdtempSync(join(tmpdir(), 'cellpipe-sweep-work-'));
  // `load` reads no parameter (each time it runs it adds a line to load-ran.txt); `train` reads both.
  writeNotebook(join(work, 'sweep.ipynb'), [
    [['pipeline-parameters'], 'lr = 0.1\ntag = "base"'],
    [['step:load'], 'with open("load-ran.txt", "a") as log:\n    log.write("ran\\n")\ndata = [1, 2, 3]'],
    [['step:train'], 'assert lr < 1, "lr too large"\nscore = sum(data) * lr + len(tag)\nprint("tag", tag)'],
    [['pipeline-metrics'], 'score']
  ]);
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const sweep = (...args: string[]) => cli(['run', 'sweep.ipynb', '--python', testPython, ...args], { home, cwd: work });

interface SweepJson {
  sweepId: string;
  metric: { name: string; direction: string } | null;
  best: string[];
  runs: Array<{ index: number; values: Record<string, unknown>; runId: string; status: string; metrics: Record<string, number> }>;
}

test(
  'runs every point of the grid, the shared step once, and marks the best',
  async () => {
    const result = await sweep('--sweep', 'lr=0.1,0.5', '--sweep', 'tag=["a,b", "c"]');
    expect(result.stderr).toMatch(/^sweep sweep-[a-z0-9-]+: 4 runs$/m);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^sweep sweep-\S+: 4 runs \(4 succeeded\)$/);
    expect(lines[1].trim().split(/\s+/)).toEqual(['#', 'lr', 'tag', 'status', 'score', 'run']);
    const rows = lines.slice(2, 6).map(line => line.split(/\s+/).filter(Boolean));
    // score = 6 * lr + len(tag): 3.6, 1.6, 6, 4; the best (max) is lr=0.5, tag "a,b".
    expect(rows.map(row => row.slice(0, -1))).toEqual([
      ['1', '0.1', 'a,b', 'Succeeded', '3.6'],
      ['2', '0.1', 'c', 'Succeeded', '1.6'],
      ['*', '3', '0.5', 'a,b', 'Succeeded', '6'],
      ['4', '0.5', 'c', 'Succeeded', '4']
    ]);
    expect(lines[6]).toBe('* best by score (max)');
    expect(readFileSync(join(work, 'load-ran.txt'), 'utf8')).toBe('ran\n');

    const sweepId = /^sweep (\S+):/.exec(lines[0])![1];
    const shown = await cli(['sweep', sweepId, '--sweep-metric', 'score:min', '--json'], { home, cwd: work });
    expect(shown.code).toBe(0);
    const report = JSON.parse(shown.stdout) as SweepJson;
    expect(report.metric).toEqual({ name: 'score', direction: 'min' });
    expect(report.runs.map(run => [run.index, run.values, run.status])).toEqual([
      [0, { lr: 0.1, tag: 'a,b' }, 'Succeeded'],
      [1, { lr: 0.1, tag: 'c' }, 'Succeeded'],
      [2, { lr: 0.5, tag: 'a,b' }, 'Succeeded'],
      [3, { lr: 0.5, tag: 'c' }, 'Succeeded']
    ]);
    expect(report.best).toEqual([report.runs[1].runId]);
    const listed = (await cli(['runs'], { home, cwd: work })).stdout;
    expect(listed).toContain(`${report.runs[2].runId}  Succeeded  2/2 steps`);
    expect(listed).toMatch(new RegExp(`^${report.runs[2].runId} .* sweep ${sweepId} \\(3/4\\)$`, 'm'));
    const status = await cli(['status', report.runs[0].runId, '--json'], { home, cwd: work });
    expect(
      JSON.parse(status.stdout)
        .steps.map((s: { status: string }) => s.status)
        .sort()
    ).toEqual(['Succeeded', 'Succeeded']);
  },
  TIMEOUT
);

test(
  'exits 1 when a point fails, and shows it in the table',
  async () => {
    const result = await sweep('--sweep', 'lr=0.5,2', '--sweep-metric', 'score');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^sweep \S+: 2 runs \(1 succeeded, 1 failed\)$/m);
    expect(result.stdout).toMatch(/^\*\s+1\s+0\.5\s+Succeeded\s+7\s/m);
    expect(result.stdout).toMatch(/^\s+2\s+2\s+Failed\s+-\s/m);
  },
  TIMEOUT
);

test.each([
  [['--sweep', 'lr=0.1,fast'], /parameter lr: 'fast' is not a number \(the default is 0\.1\)/],
  [['--sweep', 'rate=1,2'], /cannot sweep 'rate': the notebook has no such parameter \(its parameters: lr, tag\)/],
  [['--sweep', 'lr=0.1', '--param', 'lr=0.2'], /parameter lr is both set and swept/],
  [['--sweep-metric', 'score'], /--sweep-metric goes with --sweep/]
])(
  'refuses %j in words with exit code 2, running nothing',
  async (args, message) => {
    const result = await sweep(...args);
    expect([result.code, result.stderr]).toEqual([2, expect.stringMatching(message)]);
    expect(result.stdout).toBe('');
  },
  TIMEOUT
);

test(
  'names the metrics there are when --sweep-metric names another',
  async () => {
    const result = await sweep('--sweep', 'lr=0.1,0.2', '--sweep-metric', 'accuracy:max');
    expect([result.code, result.stderr]).toEqual([
      2,
      expect.stringMatching(/--sweep-metric 'accuracy': the runs have no such metric \(theirs: score\)/)
    ]);
  },
  TIMEOUT
);
