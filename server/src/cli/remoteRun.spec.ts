/**
 * The real bundled CLI (`cellpipe run --backend kubernetes|kfp`, `status`, `logs`, `cancel`)
 * against the fake Kubernetes and KFP API servers of server/src/backends/testing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argoScenario } from '../backends/testing/argoScenario';
import { FakeKfp } from '../backends/testing/fakeKfp';
import { FakeKubernetes, type FakeKubernetesOptions } from '../backends/testing/fakeKubernetes';
import { cliBundle, repoRoot as root } from '../testing/cliProcess';

/** The CLI bundled from this checkout (server/build.mjs, into a file of this test's own). */
let cli: string;
const notebook = join(root, 'src', 'core', '__fixtures__', 'notebooks', 'parallel_branches.ipynb');
const steps = ['load', 'average', 'extremes', 'ranking', 'spread', 'report'];

let dir: string;
let env: NodeJS.ProcessEnv;
let fake: FakeKubernetes | FakeKfp | undefined;

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child process (the fake servers live in this process, so never spawnSync). */
function cellpipe(args: string[], onStderr?: (text: string) => void): Promise<CliResult> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [cli, ...args], { env, cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => {
      stderr += d;
      onStderr?.(stderr);
    });
    child.on('close', status => resolve({ status, stdout, stderr }));
  });
}

beforeAll(() => {
  cli = cliBundle();
}, 120_000);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cellpipe-remote-cli-'));
  env = { ...process.env, CELLPIPE_HOME: join(dir, 'home'), KUBECONFIG: join(dir, 'kubeconfig'), KFP_TOKEN: '', KFP_COOKIE: '', KFP_HOST: '' };
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function startKubernetes(options: FakeKubernetesOptions): Promise<FakeKubernetes> {
  const k8s = new FakeKubernetes(options);
  fake = k8s;
  await k8s.start();
  writeFileSync(env.KUBECONFIG!, k8s.kubeconfig('ml-team'));
  return k8s;
}

describe('cellpipe run --backend kubernetes', () => {
  test("reports each step, a retried step and the pods' logs; status and logs read the cluster", async () => {
    const k8s = await startKubernetes({
      scenario: wf => argoScenario(wf, { ranking: ['Failed', 'Succeeded'] }),
      dropWatch: { request: 1, afterEvents: 6, how: 'destroy' }
    });
    const run = await cellpipe(['run', notebook, '--backend', 'kubernetes', '--namespace', 'ml-team', '--json', '--verbose']);
    expect(run.stderr).not.toMatch(/cellpipe:/);
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.status).toBe('Succeeded');
    expect(summary.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(steps.map(s => `${s}:Succeeded`));
    for (const step of steps) {
      expect(run.stderr).toContain(`  Running   ${step}`);
      expect(run.stderr).toMatch(new RegExp(`  Succeeded ${step} in \\d`));
      expect(run.stderr).toContain(`    ${step} | ${step}: done`);
    }
    // Printed live, attempt 1 has no header yet (it gets one once attempt 2 exists); `cellpipe logs` has both.
    expect(run.stderr).toMatch(/ {4}ranking \| ranking: attempt 1\n(.*\n)* {4}ranking \| --- attempt 2 of 2 \((Running|Succeeded)\) ---\n/);
    const create = k8s.requests.find(r => r.method === 'POST')!;
    expect(create.path).toBe('/apis/argoproj.io/v1alpha1/namespaces/ml-team/workflows');
    expect(create.body).toMatchObject({ kind: 'Workflow', metadata: { name: summary.runId } });

    const status = await cellpipe(['status', summary.runId]);
    expect(status.stdout).toContain(`run ${summary.runId} (kubernetes): Succeeded`);
    const logs = await cellpipe(['logs', summary.runId, 'ranking']);
    expect(logs.stdout).toContain('--- attempt 1 of 2 (Failed) ---\nranking: attempt 1\n');
    expect(logs.stdout).toContain('--- attempt 2 of 2 (Succeeded) ---\nranking: attempt 2\nranking: done\n');
  }, 60_000);

  test("--verbose prints a step's log while it runs, before the step has succeeded", async () => {
    // The workflow stalls with load running (frame 6, after the setup task) until its whole log has been printed.
    const k8s = await startKubernetes({ scenario: wf => ({ ...argoScenario(wf), logArrival: 'lines' }), stallAfterFrames: 7 });
    const run = await cellpipe(['run', notebook, '--backend', 'kubernetes', '--verbose'], stderr => {
      if (stderr.includes('    load | load: done\n')) {
        k8s.resume();
      }
    });
    expect(run.status).toBe(0);
    const printed = (line: string): number => run.stderr.indexOf(line);
    expect(printed('  Running   load\n')).toBeLessThan(printed('    load | load: attempt 1\n'));
    expect(printed('    load | load: attempt 1\n')).toBeLessThan(printed('    load | load: done\n'));
    expect(printed('    load | load: done\n')).toBeLessThan(printed('  Succeeded load'));
    expect(run.stderr.split('load | load: done').length).toBe(2); // printed once
    expect(k8s.requests.some(r => r.path.endsWith('/log') && r.query.follow === 'true' && r.query.container === 'main')).toBe(true);
  }, 60_000);

  test('a failed step: exit code 1, the failure and the skipped steps', async () => {
    await startKubernetes({ scenario: wf => argoScenario(wf, { load: ['Failed'] }), compressNodes: true });
    const run = await cellpipe(['run', notebook, '--backend', 'kubernetes', '--json']);
    expect(run.status).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary.status).toBe('Failed');
    expect(summary.steps.map((s: { status: string }) => s.status)).toEqual(['Failed', 'Skipped', 'Skipped', 'Skipped', 'Skipped', 'Skipped']);
    expect(run.stderr).toMatch(/ {2}Failed +load in [\d.]+s: Error \(exit code 1\)/);
    expect((await cellpipe(['logs', summary.runId, 'load'])).stdout).toContain('ValueError: load broke');
  }, 60_000);

  test('cellpipe cancel RUN terminates the workflow of a running run', async () => {
    const k8s = await startKubernetes({ stallAfterFrames: 7 });
    let runId: string | undefined;
    let cancelled: Promise<CliResult> | undefined;
    const run = await cellpipe(['run', notebook, '--backend', 'kubernetes'], stderr => {
      runId ??= /run (\S+): Pending/.exec(stderr)?.[1];
      if (runId && !cancelled && /Running +load/.test(stderr)) {
        cancelled = cellpipe(['cancel', runId]);
      }
    });
    expect((await cancelled!).stdout).toBe(`cancel requested for run ${runId} (kubernetes)\n`);
    expect(k8s.requests.filter(r => r.method === 'PATCH').map(r => r.body)).toEqual([{ spec: { shutdown: 'Terminate' } }]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`run ${runId}: Cancelled`);
    expect((await cellpipe(['status', runId!, '--json'])).stdout).toContain('"status":"Cancelled"');
  }, 60_000);

  test.each([
    [
      '403',
      { failures: [{ method: 'POST', path: /workflows$/, code: 403, message: 'forbidden' }] },
      /not allowed to create workflows\.argoproj\.io there \(403 Forbidden: forbidden\)/
    ],
    ['404 no Argo', { crdInstalled: false }, /this cluster does not know Argo Workflows/]
  ] as const)(
    '%s: a plain-words error and no run recorded',
    async (_name, options, message) => {
      await startKubernetes(options as FakeKubernetesOptions);
      const run = await cellpipe(['run', notebook, '--backend', 'kubernetes']);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
      expect((await cellpipe(['runs'])).stdout).toMatch(/^no runs/);
    },
    60_000
  );

  test('a sweep submits one Workflow per grid point, each with its values, and reads them back side by side', async () => {
    const k8s = await startKubernetes({});
    const swept = join(dir, 'swept.ipynb');
    const cell = (tags: string[], source: string, i: number) => ({
      cell_type: 'code',
      id: `c${i}`,
      metadata: { tags },
      source,
      outputs: [],
      execution_count: null
    });
    const cells = [
      cell(['pipeline-parameters'], 'n = 3', 0),
      cell(['step:make'], 'xs = list(range(n))', 1),
      cell(['step:total'], 'total = sum(xs)', 2)
    ];
    writeFileSync(swept, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
    const run = await cellpipe(['run', swept, '--backend', 'kubernetes', '--namespace', 'ml-team', '--sweep', 'n=1,2']);
    expect(run.stderr).not.toMatch(/cellpipe:/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^sweep (\S+): 2 runs \(2 succeeded\)$/m);
    // The Workflows as submitted: their arguments hold each run's values (as compile/argo/types.ts types them).
    type Submitted = { spec: { arguments: { parameters: Array<{ name: string; value: string }> } } };
    const values = [...k8s.workflows.values()].map(
      stored => (stored.object as unknown as Submitted).spec.arguments.parameters.find(p => p.name === 'n')!.value
    );
    expect(values.sort()).toEqual(['1', '2']);
    const sweepId = /^sweep (\S+):/.exec(run.stdout)![1];
    const shown = JSON.parse((await cellpipe(['sweep', sweepId, '--json'])).stdout);
    expect(shown.runs.map((r: { values: object; status: string }) => [r.values, r.status])).toEqual([
      [{ n: 1 }, 'Succeeded'],
      [{ n: 2 }, 'Succeeded']
    ]);
  }, 60_000);
});

describe('cellpipe run --backend kfp', () => {
  test('uploads, runs and reports the tasks; status reads the server; logs say where to look', async () => {
    const kfp = new FakeKfp({ token: 'tok', failing: ['report'] });
    fake = kfp;
    await kfp.start();
    Object.assign(env, { KFP_TOKEN: 'tok', CELLPIPE_KFP_POLL_MS: '1' });
    const run = await cellpipe(['run', notebook, '--backend', 'kfp', '--kfp-host', kfp.url, '--json']);
    expect(run.status).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      ...steps.slice(0, 5).map(s => `${s}:Succeeded`),
      'report:Failed'
    ]);
    expect(run.stderr).toMatch(/ {2}Failed +report in [\d.]+s: report: container exited with code 1/);
    expect(kfp.pipelines.get('pipeline-1')!.spec).toMatchObject({ schemaVersion: '2.1.0' });
    expect(kfp.requests.every(r => r.headers.authorization === 'Bearer tok')).toBe(true);
    expect((await cellpipe(['status', summary.runId])).stdout).toContain(`(kfp): Failed`);
    const logs = await cellpipe(['logs', summary.runId, 'load']);
    expect(logs.status).toBe(1);
    expect(logs.stderr).toContain('the Kubeflow Pipelines API does not serve step logs: open run run-');
  }, 60_000);

  test('without credentials: the 401 in plain words', async () => {
    fake = new FakeKfp({ token: 'tok' });
    await fake.start();
    const run = await cellpipe(['run', notebook, '--backend', 'kfp', '--kfp-host', fake.url]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Pass a bearer token with --kfp-token (or KFP_TOKEN)');
  }, 60_000);
});
