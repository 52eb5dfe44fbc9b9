import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { RUNTIME_FILE, RUNTIME_FOLDER } from '../../../src/core/compile/runtime/contract';
import { RunStore } from './runStore';
import { LocalBackend } from './local/localBackend';

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
