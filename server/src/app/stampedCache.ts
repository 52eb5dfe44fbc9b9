/**
 * A disk cache of facts about this machine that a process would otherwise ask a Python for (a
 * second or two of every CLI command): a value kept under `<cache home>/<kind>/`, valid while the
 * files and folders it was read from keep their modification times ("stamps": a folder's changes
 * when an entry is added, removed or renamed in it, as `pip install` does in site-packages).
 * A stamp of null says the path did not exist. Data, never code: a damaged or foreign file costs
 * the question again; any failure to read or write it is silent. `CELLPIPE_MACHINE_CACHE=0` turns
 * it off.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fingerprint } from '../../../src/core/fingerprint';
import { cacheHome } from '../cacheHome';

export const MACHINE_CACHE_ENV = 'CELLPIPE_MACHINE_CACHE';

/** Path -> modification time in nanoseconds (a decimal string), or null for a path that did not exist. */
export type Stamps = Record<string, string | null>;

interface CacheFile<T> {
  key: string;
  stamps: Stamps;
  value: T;
}

/** The stamp of a path now. */
export function stampOf(path: string): string | null {
  try {
    return statSync(path, { bigint: true }).mtimeNs.toString();
  } catch {
    return null;
  }
}

export function stampsOf(paths: Iterable<string>): Stamps {
  return Object.fromEntries([...new Set(paths)].map(path => [path, stampOf(path)]));
}

export class StampedCache<T> {
  private readonly folder: string | undefined;

  constructor(kind: string, env: NodeJS.ProcessEnv = process.env) {
    const setting = env[MACHINE_CACHE_ENV];
    this.folder = setting === '0' || setting === 'off' ? undefined : join(cacheHome(env), kind);
  }

  private path(key: string): string | undefined {
    return this.folder && join(this.folder, `${fingerprint(key)}.json`);
  }

  /** The value kept under `key`, if every one of its stamps still holds. */
  get(key: string): T | undefined {
    const path = this.path(key);
    try {
      const file = path && (JSON.parse(readFileSync(path, 'utf8')) as CacheFile<T>);
      if (file && file.key === key && Object.entries(file.stamps).every(([stamped, stamp]) => stampOf(stamped) === stamp)) {
        return file.value;
      }
    } catch {
      // No file yet, or one we cannot use.
    }
    return undefined;
  }

  /** Keeps `value` under `key` while `stamps` (taken before the value was read) hold. */
  set(key: string, value: T, stamps: Stamps): void {
    const path = this.path(key);
    if (!path) {
      return;
    }
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ key, stamps, value } satisfies CacheFile<T>), { mode: 0o600 });
      renameSync(temporary, path);
    } catch {
      // No cache this time: the next command asks again.
    }
  }
}
