/**
 * Fan-out steps on the local backend (docs/fan-out.md), compiled from real notebooks and run by
 * real Python processes: items as separate processes within the limit, a failing item, a retry.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { step } from '../../../../src/core/__fixtures__/notebookBuilder';
import { RunStore } from '../runStore';
import { LocalBackend } from './localBackend';
import { requestOfCells } from './__fixtures__/notebookRequest';

describe('fan-out steps, local backend', () => {
  let home: string;
  let work: string;
  let backend: LocalBackend;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cellpipe-home-'));
    work = mkdtempSync(join(tmpdir(), 'cellpipe-work-'));
    backend = new LocalBackend({ store: new RunStore(home), python: 'python3', workers: 4, cache: false });
  });

  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('runs each item as its own process, never more at once than foreach:NAME:N says', async () => {
    // Each item notes how many items are running as it starts (a file per running item).
    const loop = [
      'for item in items:',
      '    open(f"running-{item}", "w").close()',
      '    time.sleep(0.3)',
      '    seen.append((item, len(glob.glob("running-*")), os.getpid()))',
      '    os.remove(f"running-{item}")'
    ].join('\n');
    const request = requestOfCells([
      { code: 'import glob, os, time', tags: ['imports'] },
      step('make', 'items = list(range(6))\nseen = []'),
      step('each', loop, 'foreach:items:2'),
      step('after', 'print(seen)')
    ]);
    const state = await (await backend.startRequest(request, work)).done;
    expect(state.status).toBe('Succeeded');
    const each = state.steps.find(s => s.id === 'each')!;
    expect(each.instances?.map(i => i.status)).toEqual(Array(6).fill('Succeeded'));
    const seen = JSON.parse(readFileSync(new RunStore(home).logPath(state.runId, 'after'), 'utf8').replace(/\(/g, '[').replace(/\)/g, ']')) as [
      number,
      number,
      number
    ][];
    expect(seen.map(([item]) => item)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Math.max(...seen.map(([, running]) => running))).toBeLessThanOrEqual(2);
    expect(new Set(seen.map(([, , pid]) => pid)).size).toBe(6);
    // Each item's own log, and the step's: every item's in item order.
    const printing = await (
      await backend.startRequest(
        requestOfCells([step('make', 'items = ["a", "b", "c"]'), step('each', 'for item in items:\n    print("item", item)', 'foreach:items')]),
        work
      )
    ).done;
    expect(await backend.stepLog(printing, 'each', { group: 'items', index: 1 })).toBe('item b\n');
    expect(await backend.stepLog(printing, 'each')).toBe('item a\nitem b\nitem c\n');
  });

  it('fails the step at the first failing item, starts no more items, and a retry runs only what did not succeed', async () => {
    const marker = join(work, 'fail-item-1');
    writeFileSync(marker, '');
    const loop = [
      'for item in items:',
      '    with open(f"ran-{item}", "a") as f:',
      '        f.write("x")',
      `    if item == 1 and os.path.exists(${JSON.stringify(marker)}):`,
      '        raise ValueError(f"item {item} is bad")',
      '    done.append(item)'
    ].join('\n');
    const request = requestOfCells([
      { code: 'import os', tags: ['imports'] },
      step('make', 'items = [0, 1, 2, 3]\ndone = []'),
      step('each', loop, 'foreach:items:1'),
      step('after', 'print(done)')
    ]);
    const failed = await (await backend.startRequest(request, work)).done;
    expect(failed.status).toBe('Failed');
    const each = failed.steps.find(s => s.id === 'each')!;
    expect(each.instances?.map(i => i.status)).toEqual(['Succeeded', 'Failed', 'Skipped', 'Skipped']);
    expect(each.message).toMatch(/^item 2 of 4 failed: .*ValueError: item 1 is bad/);
    expect(each.failure).toEqual({ cell: 2, line: 5, error: 'ValueError: item 1 is bad' });
    expect(failed.steps.find(s => s.id === 'after')!.status).toBe('Skipped');
    expect(existsSync(join(work, 'ran-2'))).toBe(false);

    unlinkSync(marker);
    const retried = await (await backend.retry(failed)).done;
    expect(retried.status).toBe('Succeeded');
    expect(readFileSync(new RunStore(home).logPath(retried.runId, 'after'), 'utf8')).toBe('[0, 1, 2, 3]\n');
    // The item that succeeded is kept; the failed one ran again.
    expect(['ran-0', 'ran-1', 'ran-2', 'ran-3'].map(f => readFileSync(join(work, f), 'utf8'))).toEqual(['x', 'xx', 'x', 'x']);
  });
});
