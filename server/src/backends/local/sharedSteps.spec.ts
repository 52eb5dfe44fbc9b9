/**
 * Single-flight across local runs (sharedSteps.ts): two real runs of one notebook with different
 * parameter values, started together; the step that reads no parameter runs once. Each run of the
 * shared step appends a line to a file and waits for the test's go-ahead, so the second run is
 * provably asking while the first computes (no timing involved).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notebookJson, step, type CellSpec } from '../../../../src/core/__fixtures__/notebookBuilder';
import { analyzeNotebook } from '../../../../src/core/analysis';
import { parseNotebook } from '../../../../src/core/notebook';
import { buildPipeline } from '../../../../src/core/pipeline';
import type { RunEvent, RunRequest } from '../../../../src/core/run/types';
import { RunStore } from '../runStore';
import { LocalBackend } from './localBackend';
import { toRunRequest } from './runRequest';

/** `load` reads no parameter: it notes each time it runs, then waits for the file `go`; `train` reads `lr`. */
function notebook(loadTags: string[] = [], failFirst = false): CellSpec[] {
  const load = [
    'with open("load-ran.txt", "a") as log:',
    '    log.write("ran\\n")',
    'while not os.path.exists("go"):',
    '    time.sleep(0.02)',
    ...(failFirst ? ['if len(open("load-ran.txt").read().splitlines()) == 1:', '    raise RuntimeError("the first attempt fails")'] : []),
    'data = [1, 2, 3]'
  ].join('\n');
  return [
    { code: 'import os, time', tags: ['imports'] },
    { code: 'lr = 0.1', tags: ['pipeline-parameters'] },
    step('load', load, ...loadTags),
    step('train', 'score = sum(data) * lr'),
    { code: 'score', tags: ['pipeline-metrics'] }
  ];
}

function requestOf(cells: CellSpec[], parameters: Record<string, number>): RunRequest {
  const json = notebookJson(cells);
  const pipeline = buildPipeline(parseNotebook(json).notebook!, analyzeNotebook(json));
  return toRunRequest(pipeline, parameters);
}

describe('steps shared by concurrent local runs', () => {
  let home: string;
  let work: string;
  let events: RunEvent[];
  let seen: () => void;
  let backend: LocalBackend;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cellpipe-home-'));
    work = mkdtempSync(join(tmpdir(), 'cellpipe-work-'));
    events = [];
    seen = () => undefined;
    backend = new LocalBackend({
      store: new RunStore(home),
      python: 'python3',
      workers: 2,
      onEvent: event => {
        events.push(event);
        seen();
      }
    });
  });

  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  /** Resolves once an event so far satisfies `test`. */
  const eventually = (test: (event: RunEvent) => boolean): Promise<void> =>
    new Promise(resolve => {
      const check = (): void => {
        if (events.some(test)) {
          resolve();
        }
      };
      seen = check;
      check();
    });

  const loadOf = (runId: string) => (event: RunEvent) => event.type === 'step' && event.runId === runId && event.step.name === 'load';
  const linesRan = (): number => readFileSync(join(work, 'load-ran.txt'), 'utf8').split('\n').filter(Boolean).length;

  it('runs a step that reads no swept parameter once; the other run waits and takes it as Cached', async () => {
    const a = await backend.startRequest(requestOf(notebook(), { lr: 0.1 }), work);
    await eventually(event => loadOf(a.runId)(event) && event.type === 'step' && event.step.status === 'Running');
    const b = await backend.startRequest(requestOf(notebook(), { lr: 0.2 }), work);
    await eventually(event => loadOf(b.runId)(event) && event.type === 'step' && /waiting for the same step in run/.test(event.step.message ?? ''));
    writeFileSync(join(work, 'go'), '');
    const [first, second] = await Promise.all([a.done, b.done]);
    expect([first.status, second.status]).toEqual(['Succeeded', 'Succeeded']);
    expect(linesRan()).toBe(1);
    const [loadA, trainA] = first.steps;
    const [loadB, trainB] = second.steps;
    expect(loadA).toMatchObject({ status: 'Succeeded', attempts: 1 });
    expect(loadB).toMatchObject({ status: 'Cached', attempts: 0, message: `outputs reused from run ${a.runId}` });
    expect([trainA.status, trainB.status]).toEqual(['Succeeded', 'Succeeded']);
    expect(first.metrics.score).toBeCloseTo(0.6);
    expect(second.metrics.score).toBeCloseTo(1.2);
  });

  it('runs the step itself when the run it waited for failed it', async () => {
    const a = await backend.startRequest(requestOf(notebook([], true), { lr: 0.1 }), work);
    await eventually(event => loadOf(a.runId)(event) && event.type === 'step' && event.step.status === 'Running');
    const b = await backend.startRequest(requestOf(notebook([], true), { lr: 0.2 }), work);
    await eventually(event => loadOf(b.runId)(event) && event.type === 'step' && /waiting/.test(event.step.message ?? ''));
    writeFileSync(join(work, 'go'), '');
    const [first, second] = await Promise.all([a.done, b.done]);
    expect(first.steps[0]).toMatchObject({ status: 'Failed' });
    expect(first.steps[0].message).toMatch(/the first attempt fails/);
    expect(second.status).toBe('Succeeded');
    expect(second.steps[0]).toMatchObject({ status: 'Succeeded', attempts: 1 });
    expect(linesRan()).toBe(2);
  });

  it('shares a fan-out step: the other run takes it, its items included, from the cache', async () => {
    const cells: CellSpec[] = [
      { code: 'lr = 0.1', tags: ['pipeline-parameters'] },
      step('split', 'folds = [1, 2, 3]\nscores = []'),
      step('train', 'for fold in folds:\n    scores.append(fold * 2)', 'foreach:folds'),
      step('report', 'total = sum(scores) * lr'),
      { code: 'total', tags: ['pipeline-metrics'] }
    ];
    const first = await (await backend.startRequest(requestOf(cells, { lr: 0.1 }), work)).done;
    const second = await (await backend.startRequest(requestOf(cells, { lr: 0.2 }), work)).done;
    expect([first.status, second.status]).toEqual(['Succeeded', 'Succeeded']);
    expect(second.steps.map(s => s.status)).toEqual(['Cached', 'Cached', 'Succeeded']);
    expect(second.steps[1].instances).toEqual([{ status: 'Cached' }, { status: 'Cached' }, { status: 'Cached' }]);
    expect(second.metrics.total).toBeCloseTo(2.4);
  });

  it('does not share a step tagged cache:disabled: each run runs it', async () => {
    writeFileSync(join(work, 'go'), '');
    const a = await backend.startRequest(requestOf(notebook(['cache:disabled']), { lr: 0.1 }), work);
    const b = await backend.startRequest(requestOf(notebook(['cache:disabled']), { lr: 0.2 }), work);
    const [first, second] = await Promise.all([a.done, b.done]);
    expect([first.steps[0].status, second.steps[0].status]).toEqual(['Succeeded', 'Succeeded']);
    expect(linesRan()).toBe(2);
    expect(events.some(event => event.type === 'step' && /waiting/.test(event.step.message ?? ''))).toBe(false);
  });

  it('ends the wait when the waiting run is cancelled', async () => {
    const a = await backend.startRequest(requestOf(notebook(), { lr: 0.1 }), work);
    await eventually(event => loadOf(a.runId)(event) && event.type === 'step' && event.step.status === 'Running');
    const b = await backend.startRequest(requestOf(notebook(), { lr: 0.2 }), work);
    await eventually(event => loadOf(b.runId)(event) && event.type === 'step' && /waiting/.test(event.step.message ?? ''));
    b.cancel();
    const second = await b.done;
    expect(second.status).toBe('Cancelled');
    expect(second.steps[0].status).toBe('Cancelled');
    writeFileSync(join(work, 'go'), '');
    expect((await a.done).status).toBe('Succeeded');
    expect(existsSync(join(work, 'load-ran.txt')) && linesRan()).toBe(1);
  });
});
