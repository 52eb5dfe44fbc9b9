import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instanceDir, RUNTIME_ENV } from '../runtime/contract';
import { COMPLETION_GUARD, GUARD_ITEM_OPTION, GUARD_LIST_OPTION } from './completionGuard';

/**
 * Runs the guard as a KFP step container would, `python -c GUARD SCRIPT STEP PAGE DATA ARGS...`, on
 * `script` written where the setup task writes the step's script (SCRIPT relative to DATA).
 */
function guard(script: string, data: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return guardWith([], script, data, ...args);
}

/** The same, with the guard's options first. */
function guardWith(options: string[], script: string, data: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  mkdirSync(join(data, '_cellpipe', 'steps'), { recursive: true });
  writeFileSync(join(data, '_cellpipe', 'steps', 'train.py'), script);
  return spawnSync('python3', ['-c', COMPLETION_GUARD, ...options, '_cellpipe/steps/train.py', 'train', join(data, 'page.html'), data, ...args], {
    encoding: 'utf8'
  });
}

/** A step script that prints its argv and writes the runtime's completion record saying `status` (in `folder`). */
const finishing = (status: string, folder = 'train'): string =>
  [
    'import json, os, sys',
    'print(sys.argv[1:])',
    `os.makedirs(os.path.join(sys.argv[1], ${JSON.stringify(folder)}), exist_ok=True)`,
    `json.dump({"status": ${JSON.stringify(status)}}, open(os.path.join(sys.argv[1], ${JSON.stringify(folder)}, ".step.json"), "w"))`
  ].join('\n');

describe('the completion guard of KFP steps', () => {
  let data: string;
  beforeEach(() => {
    data = mkdtempSync(join(tmpdir(), 'cellpipe-guard-'));
  });
  afterEach(() => rmSync(data, { recursive: true, force: true }));

  it("passes a step that ran to its end, which gets the step's own arguments", () => {
    const run = guard(finishing('Succeeded'), data, 'epochs', 'json', '3');
    expect([run.status, run.stdout]).toEqual([0, `['${data}', 'epochs', 'json', '3']\n`]);
  });

  it('tells the step where its outputs page goes', () => {
    const run = guard(`import os\nprint(os.environ[${JSON.stringify(RUNTIME_ENV.outputsPage)}])`, data);
    expect(run.stdout).toBe(`${join(data, 'page.html')}\n`);
  });

  it.each([
    ['os._exit(0) in the middle of the step', 'import os\nos._exit(0)'],
    ['a record that does not say Succeeded', finishing('Failed')],
    [
      'a record that is not JSON',
      `import os, sys\nos.makedirs(os.path.join(sys.argv[1], "train"))\nopen(os.path.join(sys.argv[1], "train", ".step.json"), "w").write("{")`
    ],
    [
      'a record that is not an object',
      `import os, sys\nos.makedirs(os.path.join(sys.argv[1], "train"))\nopen(os.path.join(sys.argv[1], "train", ".step.json"), "w").write("[]")`
    ]
  ])('fails a step that exited 0 without the completion record: %s', (_case, script) => {
    const run = guard(script, data);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("exited 0 without the runtime's completion record");
  });

  it("runs a fan-out step's instance with its item, and requires the instance's record", () => {
    const itemScript = `import os\nprint(os.environ[${JSON.stringify(RUNTIME_ENV.item)}])\n${finishing('Succeeded', instanceDir('train', 2))}`;
    const run = guardWith([GUARD_ITEM_OPTION, '2'], itemScript, data, 'epochs', 'json', '3');
    expect([run.status, run.stdout]).toEqual([0, `2\n['${data}', 'epochs', 'json', '3']\n`]);
    // The step's own record is not the instance's.
    expect(guardWith([GUARD_ITEM_OPTION, '1'], finishing('Succeeded'), data).status).toBe(1);
  });

  it("copies a producer's item lists where KFP reads output parameters, once the step succeeded", () => {
    const lists = (status: string) => `${finishing(status)}\nopen(os.path.join(sys.argv[1], "train", ".items-folds.json"), "w").write("[0, 1, 2]")`;
    const out = join(data, 'kfp', 'outputs', 'cellpipe_items_0');
    expect(guardWith([GUARD_LIST_OPTION, '.items-folds.json', out], lists('Succeeded'), data).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('[0, 1, 2]');
    rmSync(out);
    expect(guardWith([GUARD_LIST_OPTION, '.items-folds.json', out], lists('Failed'), data).status).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it("keeps a failed step's own exit code and says nothing more", () => {
    mkdirSync(join(data, 'train'));
    const run = guard('raise SystemExit(3)', data);
    expect([run.status, run.stderr]).toEqual([3, '']);
  });
});
