/**
 * Runs for benchmarks on the executing fake Argo cluster (server/src/backends/testing/): each pod a
 * fresh `python:3.12-slim` (its venv an overlay where namespaces are available, else a copy), only
 * the volume surviving it; a run's time is the CLI's: from submitting the compiled Workflow to the
 * run's end as the Kubernetes backend sees it.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileArgoWorkflow } from '../../src/core/compile/argo';
import type { Pipeline } from '../../src/core/pipeline';
import type { JsonValue } from '../../src/core/run/types';
import { KubernetesBackend } from '../src/backends/kubernetes/kubernetesBackend';
import { remoteRunInput } from '../src/backends/remoteRun';
import { RunStore } from '../src/backends/runStore';
import { FakeKubernetes } from '../src/backends/testing/fakeKubernetes';
import { namespaceIsolationAvailable } from '../src/backends/testing/fakePod';

const NS = 'bench';

export class FakeClusterRuns {
  private constructor(
    private readonly fake: FakeKubernetes,
    private readonly backend: KubernetesBackend,
    private readonly home: string
  ) {}

  /** A started fake running at most `pods` pods at once. */
  static async start(pods: number): Promise<FakeClusterRuns> {
    const home = mkdtempSync(join(tmpdir(), 'cellpipe-bench-cluster-'));
    const fake = new FakeKubernetes({
      execute: { imageCache: join(home, 'images'), parallelism: pods, venv: namespaceIsolationAvailable() ? 'overlay' : 'copy', podGcDelayMs: false }
    });
    await fake.start();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(fake.kubeconfig(NS));
    return new FakeClusterRuns(fake, new KubernetesBackend({ store: new RunStore(join(home, 'runs')), kubeConfig, namespace: NS }), home);
  }

  /** How pods get their image's venv. */
  get venv(): string {
    return namespaceIsolationAvailable() ? 'overlay' : 'copy';
  }

  /** Runs the pipeline with its parameters' defaults; returns its wall seconds; throws unless it succeeded. */
  async seconds(pipeline: Pipeline): Promise<number> {
    const workflow = compileArgoWorkflow(pipeline);
    const parameters: Record<string, JsonValue> = Object.fromEntries(pipeline.parameters.map(p => [p.name, p.default as JsonValue]));
    const started = performance.now();
    const handle = await this.backend.submit({ ...remoteRunInput({ pipeline, parameters, notebookDir: this.home }), workflow });
    const state = await handle.done;
    const seconds = (performance.now() - started) / 1000;
    if (state.status !== 'Succeeded') {
      throw new Error(`benchmark run ${state.status}: ${state.message ?? JSON.stringify(state.steps.map(s => [s.name, s.status, s.message]))}`);
    }
    return seconds;
  }

  async stop(): Promise<void> {
    await this.fake.stop();
    rmSync(this.home, { recursive: true, force: true });
  }
}
