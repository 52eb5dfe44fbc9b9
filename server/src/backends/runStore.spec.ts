import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRequest, RunState } from '../../../src/core/run/types';
import { defaultHome, legacyStoreHint, RunStore } from './runStore';

describe('RunStore', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellpipe-store-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('lives outside the notebook tree by default: $CELLPIPE_HOME, else $XDG_STATE_HOME/cellpipe, else ~/.local/state/cellpipe', () => {
    expect(defaultHome({ CELLPIPE_HOME: join(dir, 'home') })).toBe(join(dir, 'home'));
    expect(defaultHome({ XDG_STATE_HOME: join(dir, 'state') })).toBe(join(dir, 'state', 'cellpipe'));
    expect(defaultHome({ XDG_STATE_HOME: 'relative' })).toBe(join(homedir(), '.local', 'state', 'cellpipe'));
    expect(defaultHome({})).toBe(join(homedir(), '.local', 'state', 'cellpipe'));
  });

  const request: RunRequest = { pipelineName: 'p', steps: [], parameters: {} };
  const state = (runId: string): RunState => ({
    runId,
    backend: 'local',
    pipelineName: 'p',
    status: 'Running',
    createdAt: '2026-01-01T00:00:00Z',
    parameters: {},
    steps: [],
    metrics: {}
  });

  it('is readable by its user only, and refuses in words to record a run whose folder was removed', async () => {
    const store = new RunStore(join(dir, 'home'));
    await store.create('run-1', request, state('run-1'));
    expect(statSync(store.home).mode & 0o777).toBe(0o700);
    rmSync(store.runDir('run-1'), { recursive: true });
    mkdirSync(store.dataDir('run-1'), { recursive: true }); // a step's code writing its outputs again
    expect(() => store.save(state('run-1'))).toThrow(
      /^the folder of run run-1 \(.*\) was removed while the run was going, by a step's code or by hand$/
    );
  });

  it('points to the runs an earlier version kept in ./.cellpipe', () => {
    const store = new RunStore(join(dir, 'home'));
    expect(legacyStoreHint(store, dir)).toBeUndefined();
    mkdirSync(join(dir, '.cellpipe', 'runs'), { recursive: true });
    expect(legacyStoreHint(store, dir)).toBe(
      `runs of an earlier cellpipe are in ${join(dir, '.cellpipe')} (the run store is now ${store.home}): \`CELLPIPE_HOME=.cellpipe cellpipe runs\` lists them`
    );
    expect(legacyStoreHint(new RunStore(join(dir, '.cellpipe')), dir)).toBeUndefined();
  });
});
