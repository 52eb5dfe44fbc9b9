/**
 * A fan-out step (docs/fan-out.md) of ITEMS items, each sleeping SLEEP seconds, with WORKERS workers:
 * wall time over the ideal, ceil(ITEMS / WORKERS) x SLEEP (target under 1.15), beside the same loop
 * run by Run All in one Python process (ITEMS x SLEEP, and the process's start-up).
 *
 * The pipeline's time is the local backend's, from the run's start to its end (a producer step,
 * the items, the gather, a step after), with the launcher the run starts itself and no cache; its
 * fixed cost (the same run with items that do not sleep) is printed apart.
 *
 * On the fake Argo cluster (fakeClusterRun.ts: a pod per step and per item, each a fresh Python,
 * WORKERS pods at once, the tag `foreach:items:WORKERS`) a pod's own cost is far above a local
 * process's, so the ideal there counts it: ceil(ITEMS / WORKERS) x SLEEP + the floor, the floor
 * being the same run with items that do not sleep (setup, producer, every item's pod, gather,
 * report): wall / ideal says how much of the sleeping the fan-out failed to overlap.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { FakeClusterRuns } from './fakeClusterRun';
import { benchPipeline, python, runNotebook, type Cell } from './localRun';

export const FAN_OUT = { items: 32, sleep: 0.5, workers: 8 };
const RUNS = 3;

/** The notebook: a list, a loop over it tagged foreach, a step reading what the loop gathered. */
export function fanOutCells(items: number, sleep: number, parallelism?: number): Cell[] {
  return [
    [['imports'], 'import time'],
    [['step:make'], `items = list(range(${items}))\nresults = []`],
    [
      ['step:each', parallelism ? `foreach:items:${parallelism}` : 'foreach:items'],
      `for item in items:\n    time.sleep(${sleep})\n    results.append(item * item)`
    ],
    [['step:report'], 'print(len(results), sum(results))']
  ];
}

/** The same cells run top to bottom by one fresh Python: Run All of the loop. */
function runAllSeconds(cells: Cell[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(python, ['-c', cells.map(([, source]) => source).join('\n')], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', code => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`Run All exited ${code}`))));
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function medianOf(runs: number, measure: () => Promise<number>): Promise<number> {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    seconds.push(await measure());
  }
  return median(seconds);
}

/** The fan-out on the fake Argo cluster: medians of RUNS runs sleeping and not, alternated, after a warm-up run (the image's first pull). */
async function clusterLines(): Promise<string[]> {
  const { items, sleep, workers } = FAN_OUT;
  const cluster = await FakeClusterRuns.start(workers);
  try {
    const sleeping = benchPipeline(fanOutCells(items, sleep, workers));
    const floorPipeline = benchPipeline(fanOutCells(items, 0, workers));
    await cluster.seconds(floorPipeline);
    const walls: number[] = [];
    const floors: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      walls.push(await cluster.seconds(sleeping));
      floors.push(await cluster.seconds(floorPipeline));
    }
    const [wall, floor] = [median(walls), median(floors)];
    const ideal = Math.ceil(items / workers) * sleep + floor;
    return [
      `  fake Argo cluster (${workers} pods at once, foreach:items:${workers}; pods' venvs: ${cluster.venv})`,
      `    floor: items not sleeping   ${floor.toFixed(2)} s   (setup, producer, ${items} item pods, gather, report)`,
      `    ideal ceil(${items}/${workers}) x ${sleep} s + floor  ${ideal.toFixed(2)} s`,
      `    wall                        ${wall.toFixed(2)} s   ${(wall / ideal).toFixed(3)} x ideal (target < 1.15); runs ${walls.map(w => w.toFixed(2)).join(', ')} s`,
      // Below 1 when the floor's pods, all starting at once, contend for the cores more than staggered ones do.
      `    wall - floor                ${(wall - floor).toFixed(2)} s   (the sleeping's share; floors ${floors.map(f => f.toFixed(2)).join(', ')} s)`
    ];
  } finally {
    await cluster.stop();
  }
}

export async function runFanOutBenchmark(): Promise<string[]> {
  const { items, sleep, workers } = FAN_OUT;
  const ideal = Math.ceil(items / workers) * sleep;
  const cells = fanOutCells(items, sleep);
  const local = await medianOf(RUNS, () => runNotebook(cells, workers, 'fork'));
  const fixed = await medianOf(RUNS, () => runNotebook(fanOutCells(items, 0), workers, 'fork'));
  const runAll = await medianOf(1, () => runAllSeconds(cells));
  return [
    `fan-out: ${items} items x ${sleep} s, ${workers} workers (python: ${python}; medians of ${RUNS} runs)`,
    `  ideal ceil(${items}/${workers}) x ${sleep} s        ${ideal.toFixed(2)} s`,
    `  local backend                 ${local.toFixed(2)} s   ${(local / ideal).toFixed(3)} x ideal (target < 1.15)`,
    `    of which fixed cost         ${fixed.toFixed(2)} s   (the same run, items not sleeping: producer, ${items} item processes, gather, report)`,
    `  Run All (the loop, 1 process) ${runAll.toFixed(2)} s   ${(runAll / local).toFixed(1)} x the local run`,
    ...(await clusterLines())
  ];
}
