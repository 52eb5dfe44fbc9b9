/**
 * The CLI's disk cache of cell facts (the core's CellFactsStore): one file per notebook under
 * `<cache home>/analysis/`, holding the facts of the cells its last analysis used, each under the
 * key the Analyzer gives it (the cell's source, role and trust: everything the facts depend on but
 * the analysis code). A file is valid for one version of that code: the build writes a fingerprint
 * of the core's sources into the bundles (server/build.mjs), and without one (sources run by
 * ts-jest) there is no cache. A later process that finds a cell there does not parse it: the
 * second `cellpipe analyze` of a notebook, and `compile` or `run` after it, parse only what changed.
 *
 * Facts are data, not code: a damaged or foreign file costs a re-analysis, never a wrong run of
 * code. `CELLPIPE_ANALYSIS_CACHE=0` turns the cache off; any failure to read or write it is silent.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fingerprint } from '../../../src/core/fingerprint';
import { analyzeNotebook, type AnalysisResult, type CellFacts, type CellFactsStore } from '../../../src/core/analysis';
import { cacheHome } from '../cacheHome';
import type { NotebookFile } from './notebookFile';

/** Fingerprint of the analysis code, written in by server/build.mjs. */
declare const CELLPIPE_ANALYSIS_VERSION: string | undefined;

export const ANALYSIS_CACHE_ENV = 'CELLPIPE_ANALYSIS_CACHE';

interface CacheFile {
  version: string;
  cells: [key: string, facts: CellFacts][];
}

export class AnalysisCache implements CellFactsStore {
  /** What this analysis used, which is what the file keeps. */
  private readonly used = new Map<string, CellFacts>();
  private computed = false;

  private constructor(
    private readonly path: string,
    private readonly version: string,
    private readonly known: ReadonlyMap<string, CellFacts>
  ) {}

  /** The cache of the notebook at `notebookPath`; undefined when there is none (turned off, or unbundled code). */
  static open(notebookPath: string, env: NodeJS.ProcessEnv = process.env, version = builtVersion()): AnalysisCache | undefined {
    if (!version || env[ANALYSIS_CACHE_ENV] === '0' || env[ANALYSIS_CACHE_ENV] === 'off') {
      return undefined;
    }
    // Two notebooks whose paths collide would share a file: facts are keyed by what they depend on, so only re-analysis is lost.
    const name = fingerprint(resolve(notebookPath));
    const path = join(cacheHome(env), 'analysis', `${name}.json`);
    let known = new Map<string, CellFacts>();
    try {
      const file = JSON.parse(readFileSync(path, 'utf8')) as CacheFile;
      if (file.version === version && Array.isArray(file.cells)) {
        known = new Map(file.cells);
      }
    } catch {
      // No file yet, or one we cannot use: every cell is analysed.
    }
    return new AnalysisCache(path, version, known);
  }

  get(key: string): CellFacts | undefined {
    const facts = this.known.get(key);
    if (facts) {
      this.used.set(key, facts);
    }
    return facts;
  }

  set(key: string, facts: CellFacts): void {
    this.used.set(key, facts);
    this.computed = true;
  }

  /** Writes what this analysis used, when it differs from the file (a cell analysed, or one gone). */
  save(): void {
    if (!this.computed && this.used.size === this.known.size) {
      return;
    }
    const file: CacheFile = { version: this.version, cells: [...this.used] };
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      const temporary = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(file), { mode: 0o600 });
      renameSync(temporary, this.path);
    } catch {
      // No cache this time: the next run analyses again.
    }
  }
}

function builtVersion(): string | undefined {
  return typeof CELLPIPE_ANALYSIS_VERSION === 'string' ? CELLPIPE_ANALYSIS_VERSION : undefined;
}

/**
 * Analyses the notebook read from `file` (`input`: its text or parsed notebook) as every command
 * does (a notebook without step tags is one step, `main`), through the file's cache.
 */
export function analyzeNotebookFile(file: NotebookFile, input: unknown): AnalysisResult {
  const cache = AnalysisCache.open(file.absolute);
  const result = analyzeNotebook(input, { defaultStepName: 'main' }, cache);
  cache?.save();
  return result;
}
