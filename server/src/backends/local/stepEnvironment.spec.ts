import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNTIME_ENV } from '../../../../src/core/compile/runtime/contract';
import { RunStore } from '../runStore';
import { prepareForkServer } from './forkServer';
import { LocalBackend } from './localBackend';
import { isCredentialVariable, stepEnvironment } from '../../stepEnvironment';

/** Credentials the service or the user's shell may hold, each of which a step must not see. */
const CREDENTIALS: Record<string, string> = {
  CELLPIPE_SECRET: 'cellpipe-service-secret-0123456789',
  JUPYTER_TOKEN: 'jupyter-login-token',
  JPY_API_TOKEN: 'hub-api-token',
  JPY_COOKIE_SECRET: 'hub-cookie-secret',
  JUPYTERHUB_API_TOKEN: 'hub-api-token-2',
  KFP_TOKEN: 'kfp-bearer-token',
  KFP_COOKIE: 'authservice_session=abc'
};
/** What the kernel would have too, which a step keeps. */
const KEPT: Record<string, string> = {
  MY_PROJECT_SETTING: 'kept',
  CUDA_VISIBLE_DEVICES: '1',
  LANG: 'C.UTF-8'
};

describe('stepEnvironment', () => {
  it('drops every credential, keeps everything else, and adds the run variables', () => {
    const env = stepEnvironment({ [RUNTIME_ENV.dataDir]: '/runs/x/data' }, { ...CREDENTIALS, ...KEPT, PATH: '/usr/bin', HOME: '/home/u' });
    expect(env).toEqual({ ...KEPT, PATH: '/usr/bin', HOME: '/home/u', [RUNTIME_ENV.dataDir]: '/runs/x/data', PYTHONUNBUFFERED: '1' });
  });

  it.each([['jupyter_token'], ['JPY_SOMETHING_NEW'], ['KFP_TOKEN']])('treats %s as a credential', name => {
    expect(isCredentialVariable(name)).toBe(true);
  });

  it.each([['KFP_HOST'], ['CELLPIPE_HOME'], ['HF_TOKEN'], ['PYTHONPATH']])("leaves %s to the step (not cellpipe's or Jupyter's credential)", name => {
    expect(isCredentialVariable(name)).toBe(false);
  });
});

// A real run of a real Python whose step writes down the environment it sees, each way steps start.
describe.each(['fork', 'spawn', 'prepared fork'] as const)('the environment a step sees (%s)', way => {
  let home: string;
  let work: string;
  const saved: Record<string, string | undefined> = {};

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cellpipe-env-home-'));
    work = mkdtempSync(join(tmpdir(), 'cellpipe-env-work-'));
    for (const [name, value] of Object.entries({ ...CREDENTIALS, ...KEPT })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });

  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('has no credential of cellpipe or Jupyter, and what the kernel would have', async () => {
    if (way === 'prepared fork') {
      prepareForkServer('python3'); // started ahead of the run, with the secrets already in this process
    }
    const backend = new LocalBackend({ store: new RunStore(home), python: 'python3', workers: 1, launcher: way === 'spawn' ? 'spawn' : 'fork' });
    // Written as the runtime would end it: a step succeeds only with its completion record (.step.json).
    const script = [
      'import json, os',
      'json.dump(dict(os.environ), open("environ.json", "w"))',
      'd = os.path.join(os.environ["CELLPIPE_DATA_DIR"], "show")',
      'os.makedirs(d, exist_ok=True)',
      'json.dump({"status": "Succeeded"}, open(os.path.join(d, ".step.json"), "w"))'
    ].join('\n');
    const handle = await backend.startRequest(
      { pipelineName: 'env', parameters: {}, steps: [{ id: 'show', name: 'show', dependsOn: [], script, cache: false }] },
      work
    );
    expect((await handle.done).status).toBe('Succeeded');
    const seen = JSON.parse(readFileSync(join(work, 'environ.json'), 'utf8')) as Record<string, string>;
    for (const name of Object.keys(CREDENTIALS)) {
      expect(seen[name]).toBeUndefined();
    }
    const leaked = Object.values(CREDENTIALS).filter(secret => Object.values(seen).some(value => value.includes(secret)));
    expect(leaked).toEqual([]);
    expect(seen).toMatchObject({ ...KEPT, HOME: process.env.HOME, PYTHONUNBUFFERED: '1', CELLPIPE_RUN_ID: handle.runId });
    expect(seen.PATH.endsWith(process.env.PATH!)).toBe(true); // a pyenv shim may put its own folders first
    expect(seen[RUNTIME_ENV.dataDir]).toBe(join(home, 'runs', handle.runId, 'data'));
  });
});
