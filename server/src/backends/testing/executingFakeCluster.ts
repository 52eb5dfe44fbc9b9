/**
 * A Jest fixture: an executing fake Kubernetes (fakeArgoExecutor.ts) started before each test and
 * stopped after it, its images made once per spec file, and a fresh run store folder per test.
 * Call at the top of a spec file; read `cluster.fake` and `cluster.home` inside its tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import { FakeKubernetes } from './fakeKubernetes';
import type { ExecuteOptions } from './fakeArgoExecutor';

export interface ExecutingFakeCluster {
  fake: FakeKubernetes;
  /** The run store's folder of the current test. */
  home: string;
}

export function useExecutingFakeCluster(execute: Omit<ExecuteOptions, 'imageCache'> = {}): ExecutingFakeCluster {
  const cluster = {} as ExecutingFakeCluster;
  let cache = '';
  beforeAll(() => {
    cache = mkdtempSync(join(tmpdir(), 'cellpipe-fakepods-images-'));
  });
  afterAll(() => rmSync(cache, { recursive: true, force: true }));
  beforeEach(async () => {
    cluster.home = mkdtempSync(join(tmpdir(), 'cellpipe-k8s-home-'));
    cluster.fake = new FakeKubernetes({ execute: { ...execute, imageCache: cache } });
    await cluster.fake.start();
  });
  afterEach(async () => {
    await cluster.fake.stop();
    rmSync(cluster.home, { recursive: true, force: true });
  });
  return cluster;
}
