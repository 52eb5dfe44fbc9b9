/**
 * Step environments benchmark (issue 10): the corpus' housing_regression compiled for Argo on an
 * existing claim, run on the executing fake Kubernetes (server/src/backends/testing/), whose pods
 * start from `python:3.12-slim` (Python and pip only, a fresh venv per pod; only volumes survive).
 *
 * (a) a first run on a fresh claim: the setup task installs the step environments (pinned to the
 *     kernel's versions) into `<claim>/_cellpipe/envs/<id>`, pip's cache being the claim's own
 *     `_cellpipe/pip-cache`, empty: pip downloads everything from the index (the line says what pip
 *     downloaded, and what its cache held after). Then the same with nothing from the network: the
 *     notebook's index set to a PEP 503 index of the same wheels on the claim (`pip download`ed
 *     once into the bench's cache folder), standing in for a warm cache or a mirror beside the
 *     cluster. (pip caches only responses the index marks cacheable: behind a mirror that sends no
 *     Cache-Control, `_cellpipe/pip-cache` stays empty and seeding it would change nothing.)
 * (b) a second run on the same claim: the environment is on the volume, the setup reuses it.
 * (c) the same notebook with `installRequirements: false` on a "full image" that already holds the
 *     pinned packages (no environment, nothing installed): `cellpipe-bench/full`, an image the
 *     fake maps to Python 3.12 whose pristine venv the bench fills once with the same pinned
 *     requirements (kept in the bench's image cache folder, reused by later runs).
 * Each: the whole run's wall time (submit to the run's end, as the CLI waits for it) and the setup
 * task's duration: its status node's startedAt..finishedAt (Argo's whole seconds) and, to the
 * millisecond, from the node's creation to its end as the fake's stored workflow shows them
 * (polled every few ms, in this process). (b) and (c) alternate, best and median of REPEAT.
 *
 * It needs pip's package index (PyPI unless PIP_INDEX_URL says otherwise): without it the benchmark
 * is skipped and says so, also in a plain `npm run bench`. Pods run in their own namespaces (root)
 * with the image's venv as an overlay, so no case pays for copying its image's venv (the full
 * image's is 535 MB, the slim one's 16 MB); without root they get copies, timed and shown.
 * About two minutes the first time (the wheelhouse and the full image are made), then 1.5.
 *
 * Python of the kernel (what the packages are pinned to): $CELLPIPE_BENCH_PYTHON, else the
 * checkout's .venv, else python3. Cache folder (images, wheelhouse; kept): $CELLPIPE_BENCH_CACHE,
 * else ~/.cache/cellpipe-bench.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ARGO_SETUP_TASK, DATA_MOUNT_PATH, DEFAULT_STEP_IMAGE } from '../../src/core/compile/argo';
import { PIP_CACHE_FOLDER } from '../../src/core/compile/cluster/environments';
import { compileTarget } from '../../src/core/compile/targets';
import type { Pipeline } from '../../src/core/pipeline';
import type { JsonValue } from '../../src/core/run/types';
import { withClusterEnvironments } from '../src/app/environments';
import { loadPipeline } from '../src/app/loadPipeline';
import { notebookInFolder } from '../src/app/notebookFile';
import { PythonResolver } from '../src/app/pythonResolver';
import { KubernetesBackend } from '../src/backends/kubernetes/kubernetesBackend';
import type { ArgoNode } from '../src/backends/kubernetes/argoWorkflow';
import { remoteRunInput } from '../src/backends/remoteRun';
import { RunStore } from '../src/backends/runStore';
import { FakeImages } from '../src/backends/testing/fakeImages';
import { FakeKubernetes } from '../src/backends/testing/fakeKubernetes';
import { namespaceIsolationAvailable } from '../src/backends/testing/fakePod';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const venvPython = join(root, '.venv', 'bin', 'python');
const python = process.env.CELLPIPE_BENCH_PYTHON ?? (existsSync(venvPython) ? venvPython : 'python3');
const cache = process.env.CELLPIPE_BENCH_CACHE ?? join(homedir(), '.cache', 'cellpipe-bench');
const NOTEBOOK = join(root, 'src', 'core', '__fixtures__', 'notebooks', 'housing_regression.ipynb');
const NS = 'bench';
const SLIM = DEFAULT_STEP_IMAGE;
const FULL = 'cellpipe-bench/full';
const REPEAT = 3;
/** How often the stored workflow is looked at for the setup node's changes. */
const POLL_MS = 5;

interface Timed {
  runId: string;
  /** Seconds from submit to the run's end. */
  wall: number;
  /** Seconds from the setup node's creation to its end, as polled. */
  setup: number;
  /** Seconds between the setup node's startedAt and finishedAt (whole seconds, as Argo writes them). */
  setupNode: number;
  /** The setup pod's log. */
  setupLog: string;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const best = (values: number[]): number => Math.min(...values);
const s = (seconds: number): string => `${seconds.toFixed(2)} s`;

/** Whether pip's index answers (a HEAD of its simple page, 5 s at most). */
async function indexReachable(): Promise<string | undefined> {
  const index = (process.env.PIP_INDEX_URL ?? 'https://pypi.org/simple/').replace(/\/?$/, '/');
  try {
    const response = await fetch(index + 'pip/', { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    return response.ok ? undefined : `${index} answered ${response.status}`;
  } catch (error) {
    return `${index} unreachable (${(error as Error).message})`;
  }
}

function folderBytes(path: string): number {
  if (!existsSync(path)) {
    return 0;
  }
  const stat = statSync(path);
  return stat.isDirectory() ? readdirSync(path).reduce((sum, name) => sum + folderBytes(join(path, name)), 0) : stat.size;
}

/** What pip's log says it fetched: wheels and sdists downloaded from the index, taken from its cache, read from local files. */
function pipFetches(log: string): { downloaded: number; cached: number; local: number } {
  return {
    local: (log.match(/^\s*Processing \S+/gm) ?? []).length,
    downloaded: (log.match(/^\s*Downloading \S+\.(?:whl|tar\.gz|zip)\b/gm) ?? []).length,
    cached: (log.match(/^\s*Using cached \S+/gm) ?? []).length
  };
}

class EnvironmentBench {
  /** Setup node of each workflow: when it was first seen and when it was first seen finished (performance.now()). */
  private readonly setupSeen = new Map<string, { created: number; finished?: number }>();
  private readonly poller: NodeJS.Timeout;

  private constructor(
    private readonly fake: FakeKubernetes,
    private readonly backend: KubernetesBackend
  ) {
    this.poller = setInterval(() => this.poll(), POLL_MS);
  }

  /** A started fake whose full image is made from the same Python as python:3.12-slim. */
  static async start(home: string): Promise<EnvironmentBench> {
    const imageCache = join(cache, 'images');
    const slim = await new FakeImages(imageCache).pull(SLIM);
    const fake = new FakeKubernetes({
      execute: {
        imageCache,
        images: { [FULL]: { python: slim.baseExecutable } },
        venv: namespaceIsolationAvailable() ? 'overlay' : 'copy',
        podGcDelayMs: false
      }
    });
    await fake.start();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(fake.kubeconfig(NS));
    return new EnvironmentBench(fake, new KubernetesBackend({ store: new RunStore(home), kubeConfig, namespace: NS }));
  }

  get executor(): NonNullable<FakeKubernetes['executor']> {
    return this.fake.executor!;
  }

  async stop(): Promise<void> {
    clearInterval(this.poller);
    await this.fake.stop();
  }

  private poll(): void {
    const at = performance.now();
    for (const [key, stored] of this.fake.workflows) {
      const node = Object.values(stored.object.status?.nodes ?? {}).find(n => (n as ArgoNode).displayName === ARGO_SETUP_TASK) as
        ArgoNode | undefined;
      if (!node) {
        continue;
      }
      const seen = this.setupSeen.get(key) ?? { created: at };
      if (seen.finished === undefined && node.finishedAt) {
        seen.finished = at;
      }
      this.setupSeen.set(key, seen);
    }
  }

  /** Submits the workflow on `claim`, waits for the run's end; throws unless it succeeded. */
  async time(pipeline: Pipeline, image: string, claim: string): Promise<Timed> {
    const { workflow } = compileTarget(pipeline, 'argo', { volume: { existingClaim: claim }, image });
    const parameters: Record<string, JsonValue> = Object.fromEntries(pipeline.parameters.map(p => [p.name, p.default as JsonValue]));
    const started = performance.now();
    const handle = await this.backend.submit({ ...remoteRunInput({ pipeline, parameters, notebookDir: root }), workflow: workflow! });
    const state = await handle.done;
    const wall = (performance.now() - started) / 1000;
    this.poll();
    const key = `${NS}/${handle.runId}`;
    const stored = this.fake.workflows.get(key)!;
    const node = Object.values(stored.object.status?.nodes ?? {}).find(n => (n as ArgoNode).displayName === ARGO_SETUP_TASK) as ArgoNode;
    const setupLog = node ? this.executor.log(stored, node.id) : '';
    if (state.status !== 'Succeeded') {
      const failed = state.steps.filter(step => step.status !== 'Succeeded').map(step => `${step.name} ${step.status} ${step.message ?? ''}`);
      throw new Error(`benchmark run ${handle.runId} ${state.status}: ${state.message ?? ''} ${failed.join('; ')}\nsetup log:\n${setupLog}`);
    }
    const seen = this.setupSeen.get(key)!;
    return {
      runId: handle.runId,
      wall,
      setup: (seen.finished! - seen.created) / 1000,
      setupNode: (Date.parse(node.finishedAt!) - Date.parse(node.startedAt!)) / 1000,
      setupLog
    };
  }
}

/**
 * The pinned requirements and their dependencies as wheels for the pods' Python (`pip download`
 * into the bench's cache folder, once), and a PEP 503 index of them on the claim, for the pods:
 * returns the wheelhouse and the index's URL as pods see it.
 */
async function wheelhouse(podPython: string, requirements: string[], claim: string): Promise<{ folder: string; indexUrl: string }> {
  const folder = join(cache, 'wheelhouse');
  await run(podPython, ['-m', 'pip', 'download', '--no-input', '--disable-pip-version-check', '--dest', folder, '--', ...requirements], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: homedir() },
    maxBuffer: 64 * 1024 * 1024
  });
  const onClaim = join(claim, '_wheelhouse');
  const byName = new Map<string, string[]>();
  for (const file of readdirSync(folder)) {
    const name = file
      .split('-')[0]
      .toLowerCase()
      .replace(/[-_.]+/g, '-');
    byName.set(name, [...(byName.get(name) ?? []), file]);
    cpSync(join(folder, file), join(onClaim, 'files', file));
  }
  const podRoot = `${DATA_MOUNT_PATH}/_wheelhouse`;
  for (const [name, files] of byName) {
    mkdirSync(join(onClaim, 'simple', name), { recursive: true });
    const links = files.map(file => `<a href="file://${podRoot}/files/${file}">${file}</a><br>`).join('\n');
    writeFileSync(join(onClaim, 'simple', name, 'index.html'), `<!DOCTYPE html><html><body>\n${links}\n</body></html>\n`);
  }
  return { folder, indexUrl: `file://${podRoot}/simple/` };
}

/** Fills the full image's pristine venv with the requirements from the wheelhouse, unless it holds them already; says what it did. */
async function fullImage(bench: EnvironmentBench, requirements: string[], wheels: string): Promise<string> {
  const image = await bench.executor.images.pull(FULL);
  const imagePython = join(image.venv, 'bin', 'python');
  const check = [
    'import importlib.metadata as m, sys',
    `wanted = ${JSON.stringify(requirements)}`,
    'sys.exit(0 if all(m.version(r.split("==")[0]) == r.split("==")[1] for r in wanted) else 1)'
  ].join('\n');
  try {
    await run(imagePython, ['-c', check]);
    return `already built (${image.venv})`;
  } catch {
    // not yet, or other versions: install below
  }
  const started = performance.now();
  await run(
    imagePython,
    ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '--no-index', '--find-links', wheels, '--', ...requirements],
    {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: homedir() },
      maxBuffer: 64 * 1024 * 1024
    }
  );
  return `built in ${s((performance.now() - started) / 1000)} from the wheelhouse (${image.venv})`;
}

export async function runEnvironmentsBenchmark(): Promise<string[]> {
  const title = 'step environments: housing_regression on the executing fake Kubernetes (Argo, existing claim)';
  const unreachable = await indexReachable();
  if (unreachable) {
    return [title, `  skipped: a first run installs from pip's package index, and ${unreachable}`];
  }
  const dir = mkdtempSync(join(tmpdir(), 'cellpipe-bench-env-'));
  let bench: EnvironmentBench | undefined;
  try {
    copyFileSync(NOTEBOOK, join(dir, 'housing_regression.ipynb')); // alone: no requirements.txt beside it
    const file = notebookInFolder(dir, 'housing_regression.ipynb');
    const loaded = loadPipeline(file);
    const pythons = new PythonResolver();
    const withEnv = (await withClusterEnvironments(loaded, file, pythons, python)).pipeline;
    const noInstall = { ...loaded, pipeline: { ...loaded.pipeline, settings: { ...loaded.pipeline.settings, installRequirements: false } } };
    const full = (await withClusterEnvironments(noInstall, file, pythons, python)).pipeline;
    const requirements = [...new Set(withEnv.steps.flatMap(step => step.environment?.requirements ?? []))].sort();
    const sets = new Set(withEnv.steps.map(step => JSON.stringify(step.environment?.requirements ?? null)));

    bench = await EnvironmentBench.start(join(dir, 'home'));
    const images = await Promise.all([bench.executor.images.pull(SLIM), bench.executor.images.pull(FULL)]);
    const lines = [
      title,
      `  kernel python ${python}; ${withEnv.steps.length} steps, ${sets.size} environment set(s): ${requirements.join(' ')}`,
      `  pods: ${images.map(i => `${i.image} = Python ${i.version}`).join(', ')}; venv per pod: ${namespaceIsolationAvailable() ? 'overlay (namespaces)' : 'cp -a (no root)'}; image cache ${cache}`
    ];
    const setupOf = (t: Timed): string => `setup task ${s(t.setup)} (status node ${t.setupNode.toFixed(0)} s)`;

    // (a) first run, empty pip cache: pip downloads everything.
    const cold = await bench.time(withEnv, SLIM, 'bench-cold');
    const coldCache = join(bench.executor.claimPath(NS, 'bench-cold'), PIP_CACHE_FOLDER);
    const coldFetch = pipFetches(cold.setupLog);
    lines.push(
      `  (a) first run, fresh claim, empty pip cache: whole run ${s(cold.wall)}, ${setupOf(cold)}; ` +
        `pip downloaded ${coldFetch.downloaded} files, ${coldFetch.cached} from its cache (pip's cache on the claim after: ${(folderBytes(coldCache) / 1e6).toFixed(0)} MB)`
    );

    // (a) first run, a fresh claim, pip's index on the claim itself: nothing comes over the network.
    const slimPython = join(images[0].venv, 'bin', 'python');
    const wheels = await wheelhouse(slimPython, requirements, bench.executor.claimPath(NS, 'bench-local'));
    const settings = withEnv.settings;
    const local = { ...withEnv, settings: { ...settings, packageIndex: { ...settings.packageIndex, indexUrl: wheels.indexUrl } } };
    const near = await bench.time(local, SLIM, 'bench-local');
    const nearFetch = pipFetches(near.setupLog);
    lines.push(
      `  (a) first run, fresh claim, index of wheels on the claim (${wheels.indexUrl}): whole run ${s(near.wall)}, ${setupOf(near)}; ` +
        `pip read ${nearFetch.local} local files, downloaded ${nearFetch.downloaded}, ${nearFetch.cached} from its cache`
    );

    lines.push(`  full image ${FULL}: ${await fullImage(bench, requirements, wheels.folder)}`);
    // (b) and (c) alternate, so that a change of load on the machine weighs on both alike.
    const second: Timed[] = [];
    const fullRuns: Timed[] = [];
    for (let i = 0; i < REPEAT; i++) {
      second.push(await bench.time(withEnv, SLIM, 'bench-cold'));
      fullRuns.push(await bench.time(full, FULL, 'bench-full'));
    }
    if (!second.every(t => /is on the volume already \(an earlier run\): reused/.test(t.setupLog))) {
      throw new Error(`a second run installed its environment again:\n${second.map(t => t.setupLog).join('\n---\n')}`);
    }
    if (fullRuns.some(t => /\[cellpipe\] environment/.test(t.setupLog))) {
      throw new Error(`a run on the full image has an environment:\n${fullRuns[0].setupLog}`);
    }
    const row = (what: string, runs: Timed[]): string =>
      `  ${what}, best/median of ${runs.length}: whole run ${s(best(runs.map(t => t.wall)))} / ${s(median(runs.map(t => t.wall)))}, ` +
      `setup task ${s(best(runs.map(t => t.setup)))} / ${s(median(runs.map(t => t.setup)))} (status node ${runs.map(t => t.setupNode.toFixed(0)).join(', ')} s)`;
    lines.push(row('(b) second run, same claim (environment reused)', second));
    lines.push(row(`(c) full image, installRequirements false`, fullRuns));
    const copies = Object.values(bench.executor.timings.podCopies);
    lines.push(`  venv per pod (0: overlay, nothing copied): median ${median(copies).toFixed(0)} ms over ${copies.length} pods`);
    const adds = median(second.map(t => t.wall)) - median(fullRuns.map(t => t.wall));
    const addsBest = best(second.map(t => t.wall)) - best(fullRuns.map(t => t.wall));
    lines.push(
      `  second run adds ${adds.toFixed(2)} s over the full image (target < 2 s) [medians; best against best: ${addsBest.toFixed(2)} s; ` +
        `setup task: ${(median(second.map(t => t.setup)) - median(fullRuns.map(t => t.setup))).toFixed(2)} s]`
    );
    return lines;
  } finally {
    await bench?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
