import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { RUNTIME_FILE, RUNTIME_FOLDER } from '../../../src/core/compile/runtime/contract';
import type { RunRequest, RunState } from '../../../src/core/run/types';
import { LocalBackend } from './local/localBackend';
import { defaultHome, legacyStoreHint, RunStore } from './runStore';

/** Every folder and file under `root`, with its permission bits, by path relative to `root`. */
function modes(root: string): Map<string, { dir: boolean; mode: number }> {
  const found = new Map<string, { dir: boolean; mode: number }>();
  const walk = (path: string): void => {
    const stat = statSync(path);
    found.set(relative(root, path) || '.', { dir: stat.isDirectory(), mode: stat.mode & 0o777 });
    if (stat.isDirectory()) {
      readdirSync(path).forEach(name => walk(join(path, name)));
    }
  };
  walk(root);
  return found;
}

describe('run store permissions', () => {
  let base: string;

  beforeEach(() => (base = mkdtempSync(join(tmpdir(), 'cellpipe-perm-'))));
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("makes every folder the user's alone (0700) and every file cellpipe writes 0600, after real runs", async () => {
    const home = join(base, 'new', '.cellpipe'); // created by the first run
    const backend = new LocalBackend({ store: new RunStore(home), python: 'python3', workers: 1 });
    const script = [
      'import json, os',
      'd = os.path.join(os.environ["CELLPIPE_DATA_DIR"], "a")',
      'os.makedirs(d, exist_ok=True)',
      'json.dump({"status": "Succeeded"}, open(os.path.join(d, ".step.json"), "w"))',
      'print("a log line")'
    ].join('\n');
    const request = {
      pipelineName: 'perm',
      parameters: { secret: 'x' },
      runtime: '# runtime\n',
      steps: [{ id: 'a', name: 'a', dependsOn: [], script, cache: true }]
    };
    const first = await backend.startRequest(request, base);
    expect((await first.done).status).toBe('Succeeded');
    const second = await backend.startRequest(request, base); // restores the first run's outputs from the cache
    expect((await second.done).steps[0].status).toBe('Cached');

    const all = modes(home);
    // What the step itself made in its data folder keeps the mode it gave (behind the run's 0700 folders).
    const cellpipes = [...all].filter(([path]) => !/\/data\/a(\/|$)/.test(path));
    const dirs = cellpipes.filter(([, m]) => m.dir);
    const files = cellpipes.filter(([, m]) => !m.dir);
    expect(dirs.filter(([, m]) => m.mode !== 0o700)).toEqual([]);
    expect(files.filter(([, m]) => m.mode !== 0o600)).toEqual([]);
    // What this test counts on being there: the run's files, the runtime, the cache entry, and both runs.
    const names = [...all.keys()];
    for (const run of [first.runId, second.runId]) {
      expect(names).toEqual(
        expect.arrayContaining([
          `runs/${run}/run.json`,
          `runs/${run}/request.json`,
          `runs/${run}/steps/a/step.py`,
          `runs/${run}/steps/a/log`,
          `runs/${run}/data`,
          `runs/${run}/data/a`
        ])
      );
    }
    expect(names).toEqual(expect.arrayContaining([`runs/${first.runId}/data/${RUNTIME_FOLDER}/${RUNTIME_FILE}`]));
    expect(names.some(name => /^cache\/.+\.json$/.test(name))).toBe(true);
  });
});

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
