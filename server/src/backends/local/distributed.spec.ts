/**
 * Distributed steps (`workers:N`) on the local backend, compiled from real notebooks and run by
 * real Python processes with torchrun's environment: a socket all-reduce across the workers (the
 * standard library's stand-in for torch.distributed), a failing worker, and with torch installed a
 * gloo all-reduce.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { step } from '../../../../src/core/__fixtures__/notebookBuilder';
import { RunStore } from '../runStore';
import { LocalBackend } from './localBackend';
import { requestOfCells } from './__fixtures__/notebookRequest';

const venvPython = join(__dirname, '..', '..', '..', '..', '.venv', 'bin', 'python');
const python = existsSync(venvPython) ? venvPython : 'python3';
const hasTorch = (() => {
  try {
    execFileSync(python, ['-c', 'import torch.distributed'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Each worker adds its value; rank 0 collects the others' over a socket and sends the total back. */
const ALL_REDUCE = [
  'rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])',
  'address = (os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]))',
  'assert os.environ["LOCAL_RANK"] == str(rank) and os.environ["LOCAL_WORLD_SIZE"] == str(world)',
  'mine = values[rank]',
  'if mine < 0:',
  '    raise ValueError(f"rank {rank} has a bad value")',
  'if rank == 0:',
  '    server = socket.create_server(address)',
  '    peers = [server.accept()[0] for _ in range(world - 1)]',
  '    total = mine + sum(int(peer.recv(64)) for peer in peers)',
  '    for peer in peers:',
  '        peer.sendall(str(total).encode())',
  'else:',
  '    for attempt in range(500):',
  '        try:',
  '            peer = socket.create_connection(address)',
  '            break',
  '        except ConnectionRefusedError:',
  '            time.sleep(0.01)',
  '    peer.sendall(str(mine).encode())',
  '    total = int(peer.recv(64))',
  'result = {"rank": rank, "world": world, "total": total}',
  'print(f"rank {rank} of {world}: total {total}")'
].join('\n');

describe('distributed steps, local backend', () => {
  let home: string;
  let work: string;
  let store: RunStore;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cellpipe-home-'));
    work = mkdtempSync(join(tmpdir(), 'cellpipe-work-'));
    store = new RunStore(home);
  });

  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const run = async (values: number[]) => {
    const backend = new LocalBackend({ store, python, workers: 2, cache: false });
    const request = requestOfCells([
      { code: 'import os, socket, time', tags: ['imports'] },
      step('make', `values = ${JSON.stringify(values)}`),
      step('reduce', ALL_REDUCE, 'workers:4'),
      step('after', 'print(result, total)')
    ]);
    expect(request.steps.find(s => s.id === 'reduce')!.distributed).toEqual({ workers: 4 });
    return (await backend.startRequest(request, work)).done;
  };

  it('runs 4 workers with torchrun’s environment, together (more than --workers), and only rank 0’s values go on', async () => {
    const state = await run([1, 2, 3, 4]);
    expect(state.status).toBe('Succeeded');
    const reduce = state.steps.find(s => s.id === 'reduce')!;
    expect(reduce.workers?.map(w => w.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    expect(store.readLog(state.runId, 'reduce')).toBe('rank 0 of 4: total 10\n');
    expect(readFileSync(store.instanceLogPath(state.runId, 'reduce', 3, 'ranks'), 'utf8')).toBe('rank 3 of 4: total 10\n');
    expect(store.readLog(state.runId, 'after')).toBe("{'rank': 0, 'world': 4, 'total': 10} 10\n");
  });

  it('fails the step when one worker fails, and stops the others', async () => {
    const state = await run([1, 2, -3, 4]);
    expect(state.status).toBe('Failed');
    const reduce = state.steps.find(s => s.id === 'reduce')!;
    expect(reduce.workers?.map(w => w.status)).toEqual(['Cancelled', 'Cancelled', 'Failed', 'Cancelled']);
    expect(reduce.message).toMatch(/^rank 2 of 4 workers failed: .*ValueError: rank 2 has a bad value/);
    expect(reduce.failure).toMatchObject({ cell: 2, line: 6 });
    expect(state.steps.find(s => s.id === 'after')!.status).toBe('Skipped');
  });

  (hasTorch ? it : it.skip)('runs a gloo all-reduce of torch.distributed unchanged', async () => {
    const backend = new LocalBackend({ store, python, workers: 2, cache: false });
    const request = requestOfCells([
      step('make', 'values = [1.0, 2.0, 3.0]'),
      step(
        'reduce',
        'import torch, torch.distributed as dist\ndist.init_process_group("gloo")\nt = torch.tensor([values[dist.get_rank()]])\ndist.all_reduce(t)\ntotal = float(t.item())\ndist.destroy_process_group()',
        'workers:3'
      ),
      step('after', 'print(total)')
    ]);
    const state = await (await backend.startRequest(request, work)).done;
    expect(state.status).toBe('Succeeded');
    expect(store.readLog(state.runId, 'after')).toBe('6.0\n');
  });
});
