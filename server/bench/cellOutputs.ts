/**
 * What capturing each cell's outputs costs (issue 12), on the local backend with a prepared
 * launcher (the service's way):
 * (a) a chain of 20 steps, each printing and showing a number (its last expression), with capture
 *     and without (CELLPIPE_OUTPUTS=0), alternated: the added cost per step;
 * (b) the same chain showing a pandas DataFrame (its HTML needs IPython's formatter, whose shell
 *     the step makes), with and without capture;
 * (c) a chain of 5 steps each drawing a matplotlib figure, with and without capture (the PNG);
 * (d) how long after the runtime wrote a cell's outputs the backend announced them (the
 *     'cell-outputs' RunEvent the service streams to JupyterLab): each cell's recorded end
 *     against the event's arrival, median and worst over the number chain's cells.
 */
import type { RunEvent } from '../../src/core/run/types';
import { python, runNotebook, type Cell } from './localRun';

const CHAIN = 20;
const FIGURES = 5;
/** Runs without and with capture, alternated. */
const PAIRS = 7;

function chainOf(n: number, imports: string, body: (value: string) => string): Cell[] {
  return [[['imports'], imports], ...Array.from({ length: n }, (_, i): Cell => [[`step:s${i}`], body(i === 0 ? 'v = 0' : 'v = v + 1')])];
}

const numbers = chainOf(CHAIN, 'import math', next => `${next}\nprint("v", v)\nmath.sqrt(v)`);
const frames = chainOf(CHAIN, 'import pandas as pd', next => `${next}\npd.DataFrame({"v": [v, v * 2]})`);
const figures = chainOf(FIGURES, 'import matplotlib.pyplot as plt', next => `${next}\nfig, ax = plt.subplots()\nax.plot([v, v + 1, v * 2])\nv`);

/**
 * Runs with capture off and on, one after the other PAIRS times (so that what else the machine does
 * weighs on both alike): the best wall time of each, and the median of the pairs' differences per step.
 */
async function withAndWithout(notebook: Cell[], steps: number): Promise<string> {
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    off.push(await runNotebook(notebook, 1, 'fork, prepared', { CELLPIPE_OUTPUTS: '0' }));
    on.push(await runNotebook(notebook, 1, 'fork, prepared'));
  }
  const perStep = median(on.map((t, i) => (t - off[i]) / steps));
  return (
    `with capture ${(Math.min(...on) * 1000).toFixed(0)} ms, without ${(Math.min(...off) * 1000).toFixed(0)} ms (best); ` +
    `${(perStep * 1000).toFixed(1)} ms more a step (median of ${PAIRS} pairs)`
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Milliseconds from each cell's recorded end (the runtime's clock) to the backend's 'cell-outputs' event for it. */
async function announcementDelays(): Promise<number[]> {
  const arrivals = new Map<string, number>();
  const delays: number[] = [];
  await runNotebook(
    numbers,
    1,
    'fork, prepared',
    {},
    (event: RunEvent) => {
      if (event.type === 'cell-outputs') {
        arrivals.set(event.stepId, Date.now());
      }
    },
    (store, runId) => {
      for (const [stepId, arrived] of arrivals) {
        const ended = store.readCellOutputs(runId, stepId)?.cells.at(-1)?.finishedAt;
        if (ended) {
          delays.push(arrived - Date.parse(ended));
        }
      }
    }
  );
  return delays.sort((a, b) => a - b);
}

export async function runCellOutputsBenchmark(): Promise<string[]> {
  const lines = [`cell outputs (python: ${python}; local backend, prepared launcher)`];
  lines.push(`  ${CHAIN} steps printing and showing a number: ${await withAndWithout(numbers, CHAIN)}`);
  lines.push(`  ${CHAIN} steps showing a pandas DataFrame (text and HTML, through IPython): ${await withAndWithout(frames, CHAIN)}`);
  lines.push(`  ${FIGURES} steps drawing a matplotlib figure (inline PNG): ${await withAndWithout(figures, FIGURES)}`);
  const delays = await announcementDelays();
  lines.push(
    `  a cell's outputs written -> announced by the backend (the event the service streams): ` +
      `median ${delays[Math.floor(delays.length / 2)]} ms, worst ${delays[delays.length - 1]} ms over ${delays.length} cells`
  );
  return lines;
}
