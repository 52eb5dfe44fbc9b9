import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { RunRequest } from '../../../../src/core/run/types';
import { STEP_RESULT_FILE } from '../../../../src/core/compile/runtime/contract';
import { mkdirPrivate, PRIVATE_DIR_MODE, RunStore, writeFileAtomic } from '../runStore';
import { topologicalOrder } from './schedule';
import { damagedValues } from './valueCheck';

/** Canonical JSON: object keys sorted, so equal values hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Cache key of every step: a hash of what it runs (RunnableStep.codeKey: its code, declarations,
 * which inputs it loads), this run's values of the parameters it reads, and the keys of the steps
 * it depends on. A step's key therefore changes when anything upstream of it changes, like a Merkle
 * tree, and not when a parameter only other steps read does.
 */
export function cacheKeys(request: RunRequest): Map<string, string> {
  const byId = new Map(request.steps.map(s => [s.id, s]));
  const keys = new Map<string, string>();
  for (const id of topologicalOrder(request.steps)) {
    const step = byId.get(id)!;
    const read = step.parameters ?? Object.keys(request.parameters);
    const values = Object.fromEntries(read.filter(name => name in request.parameters).map(name => [name, request.parameters[name]]));
    const hash = createHash('sha256');
    hash
      .update('cellpipe-step-v2\0')
      .update(step.codeKey ?? step.script)
      .update('\0')
      .update(canonical(values));
    for (const dep of [...step.dependsOn].sort()) {
      hash.update('\0').update(keys.get(dep)!);
    }
    keys.set(id, hash.digest('hex').slice(0, 32));
  }
  return keys;
}

/** The steps of `current` whose cache key differs from the one they had in `stored` (a retry with new code runs them again). */
export function changedSteps(stored: RunRequest, current: RunRequest): Set<string> {
  const before = cacheKeys(stored);
  const after = cacheKeys(current);
  return new Set([...after].filter(([id, key]) => before.get(id) !== key).map(([id]) => id));
}

interface CacheEntry {
  runId: string;
  stepId: string;
}

/**
 * Where an earlier successful run left the outputs for this key, if they are still there and intact
 * (every value matches its manifest's size and crc32: a damaged value is never reused, the step runs again).
 */
export async function findCached(store: RunStore, key: string): Promise<CacheEntry | undefined> {
  const path = store.cachePath(key);
  if (!existsSync(path)) {
    return undefined;
  }
  try {
    const entry = JSON.parse(readFileSync(path, 'utf8')) as CacheEntry;
    const folder = join(store.dataDir(entry.runId), entry.stepId);
    const result = join(folder, STEP_RESULT_FILE);
    if (!existsSync(result) || JSON.parse(readFileSync(result, 'utf8')).status !== 'Succeeded') {
      return undefined;
    }
    return (await damagedValues(folder)).length ? undefined : entry;
  } catch {
    return undefined;
  }
}

/**
 * Records a step's outputs as the cache of its key. Synchronous (a few hundred microseconds): it
 * sits between a step's end and the start of the steps waiting for it, where an await on the file
 * system's thread pool let other work in first.
 */
export function recordCached(store: RunStore, key: string, entry: CacheEntry): void {
  mkdirSync(join(store.home, 'cache'), { recursive: true, mode: PRIVATE_DIR_MODE });
  writeFileAtomic(store.cachePath(key), JSON.stringify(entry));
}

/**
 * Copies a cached step's outputs into this run's volume (hard links where the disk allows), and its
 * log, so `cellpipe logs` shows what the step printed when it ran.
 */
export async function restoreCached(store: RunStore, entry: CacheEntry, runId: string, stepId: string): Promise<void> {
  const log = store.logPath(entry.runId, entry.stepId);
  if (existsSync(log)) {
    await fs.copyFile(log, store.logPath(runId, stepId));
  }
  const to = join(store.dataDir(runId), stepId);
  await fs.rm(to, { recursive: true, force: true });
  await linkTree(join(store.dataDir(entry.runId), entry.stepId), to);
}

/** `to` as a copy of the folder `from`, its subfolders too (a fan-out step's `items/N/`): hard links where the disk allows. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdirPrivate(to);
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const [source, target] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) {
      await linkTree(source, target);
      continue;
    }
    try {
      await fs.link(source, target);
    } catch {
      await fs.copyFile(source, target);
    }
  }
}
