import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { claimForkServer, PREPARED_LIMITS, prepareForkServer, preparedLauncherPids } from '../backends/local/forkServer';
import { processAlive } from '../backends/local/stepProcess';
import { createService } from './app';
import { listen } from './listen';

const SECRET = 'test-secret-0123456789abcdef';
const XSRF = 'xsrf-token-1';
/** A safety net for the waits on processes, on a loaded machine. */
const BOUND_MS = 30_000;
const HEADERS = { 'x-cellpipe-secret': SECRET, 'x-xsrftoken': XSRF, cookie: `_xsrf=${XSRF}`, 'content-type': 'application/json' };

/** One real POST to the service on its loopback port. */
function post(port: number, path: string, payload: unknown): Promise<{ status: number; error?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: HEADERS }, res => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(text ? (JSON.parse(text) as { error?: string }) : {}) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(payload));
  });
}

/** The step launchers this process started that still run (their `-c` source is launcherCommand.ts's boot code), from /proc. */
function launchersOfThisProcess(): number[] {
  return readdirSync('/proc')
    .filter(name => /^\d+$/.test(name))
    .filter(pid => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('_cellpipe_boot') && processAlive(Number(pid));
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/**
 * Launchers running when this file began: other spec files that ran before it in the same Jest
 * worker process may have left theirs, which are not this file's to count.
 */
let foreignLaunchers: ReadonlySet<number> = new Set();
beforeAll(() => {
  foreignLaunchers = new Set(launchersOfThisProcess());
});

/** The launchers this file started that still run. */
function runningLaunchers(): number[] {
  return launchersOfThisProcess().filter(pid => !foreignLaunchers.has(pid));
}

/** Waits (polling) until `condition` holds; the Jest timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

const realPython = spawnSync('python3', ['-c', 'import os, sys; print(os.path.realpath(sys.executable))'], { encoding: 'utf8' }).stdout.trim();

describe('the Python a request names', () => {
  let root: string;
  let tools: string;
  let app: FastifyInstance;
  let port: number;
  const marker = (): string => join(tools, 'ran');
  const savedSettingsDir = process.env.JUPYTERLAB_SETTINGS_DIR;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cellpipe-py-root-'));
    tools = mkdtempSync(join(tmpdir(), 'cellpipe-py-tools-'));
    mkdirSync(join(tools, 'sub'));
    const cells = [{ cell_type: 'code', id: 'c0', metadata: { tags: ['step:one'] }, source: 'x = 1', outputs: [], execution_count: null }];
    writeFileSync(join(root, 'nb.ipynb'), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
    // Ten links to the one real interpreter: the confirmed one, and links found in no list at all.
    for (let i = 0; i < 10; i++) {
      symlinkSync(realPython, join(tools, `python-${i}`));
    }
    // Anything executable that is not a Python, which must never run from a request.
    writeFileSync(join(tools, 'evil.sh'), `#!/bin/sh\ntouch ${JSON.stringify(marker())}\n`);
    writeFileSync(join(tools, 'not-python.sh'), '#!/bin/sh\necho "I am not Python"\n');
    chmodSync(join(tools, 'evil.sh'), 0o755);
    chmodSync(join(tools, 'not-python.sh'), 0o755);
    // cellpipe's JupyterLab settings, as JupyterLab writes them (with comments), naming a Python.
    const settings = join(tools, 'settings', 'jupyterlab-cellpipe');
    mkdirSync(settings, { recursive: true });
    writeFileSync(
      join(settings, 'plugin.jupyterlab-settings'),
      `{\n  // Python for local runs\n  "python": "${join(tools, 'python-9')}" /* chosen in Settings */\n}\n`
    );
    process.env.JUPYTERLAB_SETTINGS_DIR = join(tools, 'settings');
    app = createService({ secret: SECRET, root, home: join(root, '.cellpipe'), pythons: [join(tools, 'python-0'), join(tools, 'not-python.sh')] });
    port = Number(new URL(await listen(app, { port: 0 })).port);
  });

  afterAll(async () => {
    await app.close();
    claimForkServer(realPython).close();
    if (savedSettingsDir === undefined) {
      delete process.env.JUPYTERLAB_SETTINGS_DIR;
    } else {
      process.env.JUPYTERLAB_SETTINGS_DIR = savedSettingsDir;
    }
    rmSync(root, { recursive: true, force: true });
    rmSync(tools, { recursive: true, force: true });
  });

  it('refuses an executable no kernel, setting or confirmation names, without running it', async () => {
    for (const route of ['/api/runs/prepare', '/api/runs', '/api/packages', '/api/compile']) {
      const reply = await post(port, route, { path: 'nb.ipynb', python: join(tools, 'evil.sh'), target: 'argo' });
      expect(reply).toEqual({ status: 403, error: expect.stringMatching(/is not a Python this service may run.*CELLPIPE_PYTHONS/) });
    }
    expect(existsSync(marker())).toBe(false);
  });

  it('refuses a confirmed path that is not a Python, after asking it what it is', async () => {
    const reply = await post(port, '/api/runs/prepare', { path: 'nb.ipynb', python: join(tools, 'not-python.sh') });
    expect(reply).toEqual({ status: 400, error: expect.stringMatching(/not-python\.sh is not a Python 3\.9\+ \(it did not answer like one\)/) });
  });

  it('accepts the Python named in the settings', async () => {
    expect(await post(port, '/api/runs/prepare', { path: 'nb.ipynb', python: join(tools, 'python-9') })).toEqual({ status: 204 });
  });

  it(
    'leaves one launcher for thirty spellings of one Python',
    async () => {
      const spellings = [
        ...Array.from({ length: 10 }, (_, i) => join(tools, `python-${i}`)),
        ...Array.from({ length: 10 }, (_, i) => `${tools}/sub/../python-${i}`),
        ...Array.from({ length: 9 }, (_, i) => `${tools}//./python-${i}`),
        realPython
      ];
      expect(new Set(spellings).size).toBe(30);
      for (const python of spellings) {
        // Links other than the confirmed python-0 and the settings' python-9 are allowed as what they are: that interpreter.
        expect(await post(port, '/api/runs/prepare', { path: 'nb.ipynb', python })).toEqual({ status: 204 });
      }
      expect(preparedLauncherPids()).toHaveLength(1);
      await until(() => runningLaunchers().length === 1); // any other launcher of these requests has ended
      expect(runningLaunchers()).toEqual(preparedLauncherPids());
    },
    BOUND_MS
  );
});

describe('launchers prepared ahead', () => {
  const limits = { ...PREPARED_LIMITS };
  afterEach(() => Object.assign(PREPARED_LIMITS, limits));

  it(
    'keeps at most their cap and stops those not claimed in time',
    async () => {
      Object.assign(PREPARED_LIMITS, { max: 2, idleMs: 60_000 });
      const spellings = ['python3', realPython, join(dirname(realPython), '.', '.', basename(realPython)).replace(/\/(?=[^/]+$)/, '/./')];
      spellings.forEach(python => prepareForkServer(python));
      const [, reused, kept] = spellings;
      const samePids = (): boolean => JSON.stringify(runningLaunchers().sort()) === JSON.stringify(preparedLauncherPids().sort());
      expect(preparedLauncherPids()).toHaveLength(2);
      await until(samePids); // the oldest, over the cap, was stopped
      Object.assign(PREPARED_LIMITS, { idleMs: 100 });
      prepareForkServer(reused); // the same launcher, now to be stopped if not claimed within 100 ms
      await until(() => preparedLauncherPids().length === 1 && samePids());
      claimForkServer(kept).close();
      await until(() => runningLaunchers().length === 0);
      expect(preparedLauncherPids()).toEqual([]);
    },
    BOUND_MS
  );
});
