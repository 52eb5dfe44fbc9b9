/**
 * The executing fake Kubernetes (fakeArgoExecutor.ts, fakePod.ts) is as strict as a cluster of
 * `python:3.12-slim` pods: hand-written Workflows whose steps check it from inside the pods. Real
 * processes; no network (the package a pod installs is a wheel made here).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgoApi } from '../kubernetes/argoApi';
import { workflowFinished, type ArgoNode, type ArgoWorkflow } from '../kubernetes/argoWorkflow';
import { FakeKubernetes } from './fakeKubernetes';
import { kubeConfigFrom } from './fixtures';
import type { ExecuteOptions } from './fakeArgoExecutor';
import type { Isolation } from './fakePod';
import { namespaceIsolationAvailable } from './fakePod';

const NS = 'team';
let fake: FakeKubernetes;
let api: ArgoApi;
let cache: string;

/** A pure-Python wheel of package `probe`, made with zipfile (no setuptools, no network). */
function makeWheel(dir: string): string {
  const wheel = join(dir, 'probe-0.1-py3-none-any.whl');
  const script = `
import base64, hashlib, sys, zipfile
files = {
    'probe/__init__.py': 'VERSION = "0.1"\\n',
    'probe-0.1.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: probe\\nVersion: 0.1\\n',
    'probe-0.1.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: hand\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
}
record = []
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for name, text in files.items():
        data = text.encode()
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
        record.append('%s,sha256=%s,%d' % (name, digest, len(data)))
    record.append('probe-0.1.dist-info/RECORD,,')
    z.writestr('probe-0.1.dist-info/RECORD', '\\n'.join(record) + '\\n')
`;
  execFileSync('python3', ['-c', script, wheel]);
  return wheel;
}

const script = (name: string, source: string, extra: Record<string, unknown> = {}): object => ({
  name,
  script: {
    image: 'python:3.12-slim',
    command: ['python3'],
    source,
    // Paths reach the code through env values, as cellpipe's do (rewrite isolation rewrites those, not the source).
    env: [
      { name: 'GREETING', value: 'hello {{workflow.parameters.who}} from {{workflow.name}}' },
      { name: 'DATA', value: '/data/{{workflow.name}}' },
      { name: 'WHEELS', value: '/wheels' },
      { name: 'POD', value: '{{pod.name}}' }
    ],
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'wheels', mountPath: '/wheels', readOnly: true }
    ],
    ...((extra.script as object) ?? {})
  },
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'script'))
});

/**
 * Written outside the volume by `install`: none of it may be seen by a later pod. Only the
 * namespace isolation can keep writes to the machine's own folders in the pod (rewrite isolation
 * would write them on this machine): those are written with it only.
 */
const outsidePaths = (isolation: Isolation): string[] => [
  '~/outside.txt',
  'cwd-outside.txt',
  ...(isolation === 'namespace' ? ['/tmp/outside.txt', '/etc/outside.txt', '/dev/shm/outside.txt', '/usr/local/outside.txt'] : [])
];

const install = (outside: string[]): string => `
import os, subprocess, sys
subprocess.run(['pip', 'install', '--no-index', '--disable-pip-version-check', '-q', os.environ['WHEELS'] + '/probe-0.1-py3-none-any.whl'], check=True)
import probe
print('installed probe', probe.VERSION, 'in', sys.prefix)
data = os.environ['DATA']
os.makedirs(data, exist_ok=True)
with open(data + '/kept.txt', 'w') as f:
    f.write('kept')
for path in ${JSON.stringify(outside)}:
    with open(os.path.expanduser(path), 'w') as f:
        f.write('outside')
print('wrote', len(${JSON.stringify(outside)}), 'files outside the volume')
`;

const check = (outside: string[]): string => `
import json, os, sys
try:
    import probe
    print('probe importable: a package installed by an earlier pod survived')
except ModuleNotFoundError as e:
    print('ModuleNotFoundError:', e)
print('volume file:', open(os.environ['DATA'] + '/kept.txt').read())
print('outside files left:', [p for p in ${JSON.stringify(outside)} if os.path.exists(os.path.expanduser(p))])
environ = dict(line.split('=', 1) for line in open('/proc/self/environ').read().split('\\0') if line)
print('env:', sorted(environ))
print('GREETING=' + environ['GREETING'])
print('HOSTNAME=' + environ['HOSTNAME'], 'python', sys.version.split()[0])
with open(os.environ['DATA'] + '/check.json', 'w') as f:
    f.write(json.dumps({'env': environ, 'cwd': os.getcwd(), 'prefix': sys.prefix}) + '\\n')
`;

const RETRIED = `
import os
counter = os.environ['DATA'] + '/attempts'
n = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
open(counter, 'w').write(str(n))
print('attempt', n)
if n == 1:
    raise SystemExit('first attempt fails')
`;

function strictnessWorkflow(isolation: Isolation): ArgoWorkflow {
  const outside = outsidePaths(isolation);
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'strict-' },
    spec: {
      entrypoint: 'main',
      arguments: { parameters: [{ name: 'who', value: 'tester' }] },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      volumes: [{ name: 'wheels', persistentVolumeClaim: { claimName: 'wheels' } }],
      volumeClaimGC: { strategy: 'OnWorkflowSuccess' },
      templates: [
        {
          name: 'main',
          dag: {
            failFast: false, // so that after-either runs once fails has failed
            tasks: [
              { name: 'install', template: 'install' },
              { name: 'check', template: 'check', dependencies: ['install'] },
              { name: 'retried', template: 'retried', dependencies: ['check'] },
              { name: 'fails', template: 'fails', dependencies: ['retried'] },
              { name: 'after-fail', template: 'check', dependencies: ['fails'] },
              { name: 'after-either', template: 'check', depends: 'fails.Succeeded || fails.Failed' }
            ]
          }
        },
        script('install', install(outside)),
        script('check', check(outside), { outputs: { parameters: [{ name: 'report', valueFrom: { path: '/data/{{workflow.name}}/check.json' } }] } }),
        script('retried', RETRIED, { retryStrategy: { limit: '2' } }),
        script('fails', 'print("about to fail")\nraise SystemExit(3)')
      ]
    }
  } as ArgoWorkflow;
}

async function runToEnd(workflow: ArgoWorkflow): Promise<ArgoWorkflow> {
  const created = await api.create(workflow);
  const name = created.metadata.name!;
  await fake.until(() => workflowFinished(fake.workflows.get(`${NS}/${name}`)!.object));
  return api.get(name);
}

const byTask = (wf: ArgoWorkflow): Record<string, ArgoNode> => Object.fromEntries(Object.values(wf.status!.nodes!).map(n => [n.displayName, n]));

async function logOf(wf: ArgoWorkflow, nodeId: string): Promise<string> {
  const pod = (await api.listPods(wf.metadata.name!)).find(p => p.metadata?.annotations?.['workflows.argoproj.io/node-id'] === nodeId);
  return api.readLog(pod!.metadata!.name!);
}

const configurations: ExecuteOptions[] = [
  ...(namespaceIsolationAvailable() ? [{ isolation: 'namespace' as const }, { isolation: 'namespace' as const, venv: 'overlay' as const }] : []),
  { isolation: 'rewrite' }
];

beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), 'cellpipe-fakepods-images-'));
});
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe.each(configurations.map(c => [`${c.isolation} isolation${c.venv ? `, ${c.venv} venv` : ''}`, c] as const))(
  'the executing fake with %s',
  (_name, configuration) => {
    const isolation = configuration.isolation!;
    const saved = { ...process.env };
    beforeEach(async () => {
      // What the test process has must never reach a pod.
      Object.assign(process.env, { KUBECONFIG: '/secret/kubeconfig', CELLPIPE_SECRET: 's3cret', JUPYTER_TOKEN: 'tok' });
      fake = new FakeKubernetes({ execute: { ...configuration, imageCache: cache, parallelism: 2 } });
      await fake.start();
      api = new ArgoApi(kubeConfigFrom(fake.kubeconfig(NS)), NS);
    });
    afterEach(async () => {
      await fake.stop();
      process.env = saved;
    });

    test('a pod sees only its image, its declared env and the volume; a failed step fails the workflow and omits its dependants', async () => {
      makeWheel(fake.executor!.claimPath(NS, 'wheels'));
      const wf = await runToEnd(strictnessWorkflow(isolation));
      const nodes = byTask(wf);
      const phases = Object.fromEntries(['install', 'check', 'retried', 'fails', 'after-fail', 'after-either'].map(t => [t, nodes[t]?.phase]));
      expect(phases).toEqual({
        install: 'Succeeded',
        check: 'Succeeded',
        retried: 'Succeeded',
        fails: 'Failed',
        'after-fail': 'Omitted',
        'after-either': 'Succeeded'
      });
      expect(wf.status).toMatchObject({ phase: 'Failed', message: `child '${nodes.fails.id}' failed` });
      expect(nodes['after-fail']).toMatchObject({ type: 'Skipped', message: 'omitted: depends condition not met' });
      expect(nodes.fails).toMatchObject({ type: 'Pod', message: 'Error (exit code 3)', outputs: { exitCode: '3' } });

      const install = await logOf(wf, nodes.install.id);
      expect(install).toMatch(new RegExp(`^installed probe 0\\.1 in /.*\nwrote ${outsidePaths(isolation).length} files outside the volume\n$`));

      const check = await logOf(wf, nodes.check.id);
      expect(check).toContain("ModuleNotFoundError: No module named 'probe'\n");
      expect(check).toContain('volume file: kept\n');
      expect(check).toContain('outside files left: []\n');
      expect(check).toContain("env: ['DATA', 'GREETING', 'HOME', 'HOSTNAME', 'PATH', 'POD', 'PYTHONNOUSERSITE', 'WHEELS']\n");
      expect(check).toContain(`GREETING=hello tester from ${wf.metadata.name}\n`);

      // The output parameter: the file, read after the container ended, its last newline trimmed.
      const report = JSON.parse(nodes.check.outputs!.parameters!.find(p => p.name === 'report')!.value!);
      const pod = (await api.listPods(wf.metadata.name!)).find(p => p.metadata?.annotations?.['workflows.argoproj.io/node-id'] === nodes.check.id)!;
      expect(report.env).toMatchObject({ HOSTNAME: pod.metadata!.name, POD: pod.metadata!.name, PYTHONNOUSERSITE: '1' });
      expect(report.env.PATH).toMatch(/^\/.*\/venv\/bin:\/usr\/local\/sbin:/);
      expect(report.env).not.toHaveProperty('KUBECONFIG');
      if (isolation === 'namespace') {
        expect(report).toMatchObject({ cwd: '/', env: { HOME: '/root' } });
      }

      // Retry: a Retry node whose Pod children are the attempts; the second one succeeded.
      expect(nodes.retried.type).toBe('Retry');
      expect(nodes.retried.children!.map(id => wf.status!.nodes![id]).map(n => `${n.displayName}:${n.phase}`)).toEqual([
        'retried(0):Failed',
        'retried(1):Succeeded'
      ]);
      expect(await logOf(wf, nodes['retried(1)'].id)).toBe('attempt 2\n');

      // Nothing a pod installed reached the image: its pristine venv has no probe.
      const pristine = (await fake.executor!.images.images())[0];
      expect(
        readdirSync(join(pristine.venv, 'lib', `python${pristine.version.split('.').slice(0, 2).join('.')}`, 'site-packages')).filter(n =>
          n.startsWith('probe')
        )
      ).toEqual([]);
      // The failed workflow keeps its claim (volumeClaimGC OnWorkflowSuccess); the existing claim stays.
      expect(existsSync(join(fake.executor!.claimPath(NS, `${wf.metadata.name}-data`), wf.metadata.name!, 'kept.txt'))).toBe(true);
    }, 240_000);

    test('an image the fake cannot pull fails its step with ErrImagePull', async () => {
      const wf = strictnessWorkflow(isolation);
      const templates = wf.spec.templates as Array<{ name: string; script?: { image: string } }>;
      templates.find(t => t.name === 'install')!.script!.image = 'busybox:1.36';
      const done = await runToEnd(wf);
      const nodes = byTask(done);
      expect(nodes.install).toMatchObject({ phase: 'Error', message: expect.stringMatching(/^ErrImagePull: Failed to pull image "busybox:1\.36"/) });
      expect(nodes.check).toMatchObject({ phase: 'Omitted' });
      expect(done.status!.phase).toBe('Failed');
      const [pod] = await api.listPods(done.metadata.name!);
      expect(pod.status!.containerStatuses!.find(c => c.name === 'main')!.state!.waiting!.reason).toBe('ErrImagePull');
      await expect(api.readLog(pod.metadata!.name!)).rejects.toMatchObject({ status: 400 });
    }, 240_000);

    test("a template over 128 KiB as JSON fails its pod: Linux refuses Argo's ARGO_TEMPLATE env var", async () => {
      const wf = strictnessWorkflow(isolation);
      const templates = wf.spec.templates as Array<{ name: string; script?: { source: string } }>;
      templates.find(t => t.name === 'install')!.script!.source += `# ${'x'.repeat(128 * 1024)}\n`;
      const nodes = byTask(await runToEnd(wf));
      expect(nodes.install).toMatchObject({
        phase: 'Error',
        message: expect.stringMatching(/argument list too long \(ARGO_TEMPLATE is \d+ bytes\)/)
      });
      expect(nodes.check).toMatchObject({ phase: 'Omitted' });
    }, 240_000);

    test('spec.shutdown Terminate kills the running pod; the log stays as far as it got', async () => {
      const wf: ArgoWorkflow = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'sleepy-' },
        spec: {
          entrypoint: 'main',
          templates: [
            {
              name: 'main',
              dag: {
                tasks: [
                  { name: 'sleep', template: 'sleep' },
                  { name: 'next', template: 'sleep', dependencies: ['sleep'] }
                ]
              }
            },
            {
              name: 'sleep',
              script: { image: 'python:3.12-slim', command: ['python3', '-u'], source: 'import time\nprint("sleeping")\ntime.sleep(600)\n' }
            }
          ]
        }
      };
      const name = (await api.create(wf)).metadata.name!;
      const key = `${NS}/${name}`;
      await fake.until(() =>
        Object.values(fake.workflows.get(key)!.object.status?.nodes ?? {}).some(
          n => n.type === 'Pod' && fake.executor!.log(fake.workflows.get(key)!, n.id).includes('sleeping\n')
        )
      );
      await api.shutdown(name, 'Terminate');
      await fake.until(() => workflowFinished(fake.workflows.get(key)!.object));
      const done = await api.get(name);
      expect(done.status).toMatchObject({ phase: 'Failed', message: "Stopped with strategy 'Terminate'" });
      expect(byTask(done).sleep).toMatchObject({ phase: 'Failed', message: 'workflow shutdown with strategy:  Terminate' });
      expect(byTask(done).next).toMatchObject({ phase: 'Omitted' }); // its dependency failed
      expect(await logOf(done, byTask(done).sleep.id)).toBe('sleeping\n');
      expect(fake.executor!.running.size).toBe(0);
    }, 240_000);
    test("independent tasks run in parallel up to the limit; a succeeded workflow's claim is deleted (volumeClaimGC)", async () => {
      // a and b wait for each other (no time limit: only running together lets them end); c cannot
      // start before one of them has ended (parallelism 2); d sees all three.
      const rendezvous = (me: string, other: string): string =>
        `import os, time\nd = os.environ['DATA']\nos.makedirs(d, exist_ok=True)\nopen(d + '/started-${me}', 'w').close()\n` +
        `while not os.path.exists(d + '/started-${other}'):\n    time.sleep(0.02)\nopen(d + '/done-${me}', 'w').close()\nprint('${me} met ${other}')\n`;
      const wf: ArgoWorkflow = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'par-' },
        spec: {
          entrypoint: 'main',
          arguments: { parameters: [{ name: 'who', value: 'tester' }] },
          volumeClaimTemplates: [{ metadata: { name: 'data' } }],
          volumes: [{ name: 'wheels', persistentVolumeClaim: { claimName: 'wheels' } }],
          templates: [
            {
              name: 'main',
              dag: {
                tasks: [
                  { name: 'a', template: 'a' },
                  { name: 'b', template: 'b' },
                  { name: 'c', template: 'c' },
                  { name: 'd', template: 'd', dependencies: ['a', 'b', 'c'] }
                ]
              }
            },
            script('a', rendezvous('a', 'b')),
            script('b', rendezvous('b', 'a')),
            script(
              'c',
              "import os\nd = os.environ['DATA']\nprint('c started after', sorted(n for n in os.listdir(d) if n.startswith('done-'))[:1] != [])\n"
            ),
            script('d', "import os\nprint(sorted(os.listdir(os.environ['DATA'])))\n")
          ]
        }
      } as ArgoWorkflow;
      const done = await runToEnd(wf);
      const nodes = byTask(done);
      expect(done.status!.phase).toBe('Succeeded');
      expect(await logOf(done, nodes.a.id)).toBe('a met b\n');
      expect(await logOf(done, nodes.c.id)).toBe('c started after True\n');
      expect(await logOf(done, nodes.d.id)).toBe("['done-a', 'done-b', 'started-a', 'started-b']\n");
      // Argo links a task under its dependencies' nodes, the first tasks under the DAG.
      expect(done.status!.nodes![done.metadata.name!].children).toEqual([nodes.a.id, nodes.b.id, nodes.c.id]);
      expect(nodes.a.children).toEqual([nodes.d.id]);
      expect(existsSync(join(fake.executor!.root, 'claims', NS, `${done.metadata.name}-data`))).toBe(false);
    }, 240_000);

    test('stop() ends the pods it started and removes its folders', async () => {
      const wf: ArgoWorkflow = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'left-' },
        spec: {
          entrypoint: 'main',
          templates: [
            { name: 'main', dag: { tasks: [{ name: 'sleep', template: 'sleep' }] } },
            {
              name: 'sleep',
              script: { image: 'python:3.12-slim', command: ['python3', '-u'], source: 'import time\nprint("sleeping")\ntime.sleep(600)\n' }
            }
          ]
        }
      };
      const name = (await api.create(wf)).metadata.name!;
      const stored = fake.workflows.get(`${NS}/${name}`)!;
      await fake.until(() =>
        Object.values(stored.object.status?.nodes ?? {}).some(n => n.type === 'Pod' && fake.executor!.log(stored, n.id).includes('sleeping\n'))
      );
      const [pod] = [...fake.executor!.running];
      const { root } = fake.executor!;
      await fake.stop();
      expect(() => process.kill(-pod.pid!, 0)).toThrow(/ESRCH/); // the pod's whole process group is gone
      expect(existsSync(root)).toBe(false);
    }, 240_000);
    test('activeDeadlineSeconds kills a pod that runs too long; retryPolicy Always retries it', async () => {
      const wf: ArgoWorkflow = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'slow-' },
        spec: {
          entrypoint: 'main',
          templates: [
            { name: 'main', dag: { tasks: [{ name: 'slow', template: 'slow' }] } },
            {
              name: 'slow',
              activeDeadlineSeconds: '1',
              retryStrategy: { limit: '1', retryPolicy: 'Always' },
              script: { image: 'python:3.12-slim', command: ['python3', '-u'], source: 'import time\nprint("working")\ntime.sleep(600)\n' }
            }
          ]
        }
      };
      const done = await runToEnd(wf);
      const nodes = byTask(done);
      expect(done.status!.phase).toBe('Failed');
      expect(nodes.slow).toMatchObject({ type: 'Retry', phase: 'Failed', message: 'No more retries left' });
      expect(nodes.slow.children!.map(id => done.status!.nodes![id])).toMatchObject([
        { displayName: 'slow(0)', phase: 'Failed', message: 'Pod was active on the node longer than the specified deadline' },
        { displayName: 'slow(1)', phase: 'Failed', message: 'Pod was active on the node longer than the specified deadline' }
      ]);
    }, 240_000);
    test('output parameters: read after the container ends, default for a missing file, an error without one or over 256 KiB', async () => {
      const writer = (name: string, source: string, outputs: object[]): object => ({
        name,
        outputs: { parameters: outputs },
        script: {
          image: 'python:3.12-slim',
          command: ['python3'],
          source,
          env: [{ name: 'OUT', value: '/out/{{workflow.name}}' }],
          volumeMounts: [{ name: 'out', mountPath: '/out' }]
        }
      });
      const wf = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'outs-' },
        spec: {
          entrypoint: 'main',
          volumeClaimTemplates: [{ metadata: { name: 'out' } }],
          templates: [
            { name: 'main', dag: { failFast: false, tasks: ['small', 'missing', 'huge'].map(name => ({ name, template: name })) } },
            writer('small', "import os\nos.makedirs(os.environ['OUT'], exist_ok=True)\nopen(os.environ['OUT'] + '/v', 'w').write('42\\n\\n')\n", [
              { name: 'value', valueFrom: { path: '/out/{{workflow.name}}/v' } },
              { name: 'fallback', valueFrom: { path: '/out/{{workflow.name}}/none', default: 'dflt' } }
            ]),
            writer('missing', 'print("no file")', [{ name: 'value', valueFrom: { path: '/out/{{workflow.name}}/absent' } }]),
            writer(
              'huge',
              "import os\nos.makedirs(os.environ['OUT'], exist_ok=True)\nopen(os.environ['OUT'] + '/h', 'w').write('x' * (256 * 1024 + 1))\n",
              [{ name: 'value', valueFrom: { path: '/out/{{workflow.name}}/h' } }]
            )
          ]
        }
      } as ArgoWorkflow;
      const nodes = byTask(await runToEnd(wf));
      expect(nodes.small).toMatchObject({
        phase: 'Succeeded',
        outputs: {
          exitCode: '0',
          parameters: [
            { name: 'value', value: '42\n' },
            { name: 'fallback', value: 'dflt' }
          ]
        }
      });
      expect(nodes.missing).toMatchObject({
        phase: 'Error',
        message: expect.stringMatching(/^failed to save outputs: open \/out\/.*\/absent: no such file or directory$/)
      });
      expect(nodes.huge).toMatchObject({ phase: 'Error', message: expect.stringMatching(/262145 bytes, over the 262144 bytes Argo allows/) });
    }, 240_000);
    test('spec.shutdown Stop lets the running pod finish and starts no other', async () => {
      const wf: ArgoWorkflow = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'stop-' },
        spec: {
          entrypoint: 'main',
          templates: [
            {
              name: 'main',
              dag: {
                tasks: [
                  { name: 'first', template: 'waits' },
                  { name: 'second', template: 'waits', dependencies: ['first'] }
                ]
              }
            },
            // Ends once its file is there: the test writes it after asking to stop.
            {
              name: 'waits',
              script: {
                image: 'python:3.12-slim',
                command: ['python3', '-u'],
                source:
                  'import os, time\nprint("waiting")\nwhile not os.path.exists(os.environ["GATE"] + "/open"):\n    time.sleep(0.02)\nprint("done")\n',
                env: [{ name: 'GATE', value: '/gate' }],
                volumeMounts: [{ name: 'gate', mountPath: '/gate' }]
              }
            }
          ],
          volumes: [{ name: 'gate', persistentVolumeClaim: { claimName: 'gate' } }]
        } as ArgoWorkflow['spec']
      };
      const name = (await api.create(wf)).metadata.name!;
      const stored = fake.workflows.get(`${NS}/${name}`)!;
      await fake.until(() =>
        Object.values(stored.object.status?.nodes ?? {}).some(n => n.type === 'Pod' && fake.executor!.log(stored, n.id).includes('waiting\n'))
      );
      await api.shutdown(name, 'Stop');
      writeFileSync(join(fake.executor!.claimPath(NS, 'gate'), 'open'), '');
      await fake.until(() => workflowFinished(stored.object));
      const done = await api.get(name);
      expect(done.status).toMatchObject({ phase: 'Failed', message: "Stopped with strategy 'Stop'" });
      expect(byTask(done).first).toMatchObject({ phase: 'Succeeded' });
      expect(byTask(done).second).toBeUndefined();
      expect(await logOf(done, byTask(done).first.id)).toBe('waiting\ndone\n');
    }, 240_000);

    test("pipCache: pip's own cache folder is shared by pods only when asked for", async () => {
      const wf = (): ArgoWorkflow =>
        ({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Workflow',
          metadata: { generateName: 'cache-' },
          spec: {
            entrypoint: 'main',
            templates: [
              {
                name: 'main',
                dag: {
                  tasks: [
                    { name: 'put', template: 'put' },
                    { name: 'look', template: 'look', dependencies: ['put'] }
                  ]
                }
              },
              {
                name: 'put',
                script: {
                  image: 'python:3.12-slim',
                  command: ['python3'],
                  source: "import os\nd = os.path.expanduser('~/.cache/pip')\nos.makedirs(d, exist_ok=True)\nopen(d + '/marker', 'w').close()\n"
                }
              },
              {
                name: 'look',
                script: {
                  image: 'python:3.12-slim',
                  command: ['python3'],
                  source: "import os\nprint(os.path.exists(os.path.expanduser('~/.cache/pip/marker')))\n"
                }
              }
            ]
          }
        }) as ArgoWorkflow;
      const without = await runToEnd(wf());
      expect(await logOf(without, byTask(without).look.id)).toBe('False\n');
      await fake.stop();
      const pipCache = mkdtempSync(join(tmpdir(), 'cellpipe-fakepods-pip-'));
      try {
        fake = new FakeKubernetes({ execute: { ...configuration, imageCache: cache, pipCache } });
        await fake.start();
        api = new ArgoApi(kubeConfigFrom(fake.kubeconfig(NS)), NS);
        const shared = await runToEnd(wf());
        expect(await logOf(shared, byTask(shared).look.id)).toBe('True\n');
        expect(existsSync(join(pipCache, 'marker'))).toBe(true);
      } finally {
        rmSync(pipCache, { recursive: true, force: true });
      }
    }, 240_000);
  }
);
