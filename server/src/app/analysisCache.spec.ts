import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notebookJson, step } from '../../../src/core/__fixtures__/notebookBuilder';
import { Analyzer, type AnalysisResult } from '../../../src/core/analysis';
import { AnalysisCache } from './analysisCache';

const NOTEBOOK = notebookJson([{ code: 'import random', tags: ['imports'] }, step('a', 'x = random.random()'), step('b', 'print(x)')]);
const EDITED = notebookJson([{ code: 'import random', tags: ['imports'] }, step('a', 'x = random.random()'), step('b', 'print(x * 2)')]);

describe('the disk cache of cell facts', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const path = (): string => join(home, 'nb.ipynb');
  const folder = (): string => join(home, 'cache', 'cellpipe', 'analysis');

  /** One process's analysis through the cache: its result, and how many cells it parsed. */
  function analyse(notebook: unknown, version = 'v1'): { result: AnalysisResult; parsed: number } {
    const cache = AnalysisCache.open(path(), env, version);
    const analyzer = new Analyzer({ defaultStepName: 'main' }, cache);
    const result = analyzer.analyze(notebook);
    cache?.save();
    return { result, parsed: analyzer.parsedCells };
  }

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cellpipe-analysis-cache-'));
    env = { XDG_CACHE_HOME: join(home, 'cache') };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('spares a later process every parse, with the same result', () => {
    const first = analyse(NOTEBOOK);
    expect(first.parsed).toBe(3);
    const second = analyse(NOTEBOOK);
    expect(second.parsed).toBe(0);
    expect(second.result).toEqual(first.result);
  });

  it('parses only the cells that changed, and keeps only the cells of the last analysis', () => {
    analyse(NOTEBOOK);
    expect(analyse(EDITED).parsed).toBe(1);
    const [file] = readdirSync(folder());
    const keys = (JSON.parse(readFileSync(join(folder(), file), 'utf8')).cells as [string, unknown][]).map(([key]) => key);
    expect(keys.some(key => key.endsWith('print(x * 2)'))).toBe(true);
    expect(keys.some(key => key.endsWith('print(x)'))).toBe(false);
  });

  it('holds facts of one version of the analysis code: another version analyses again', () => {
    analyse(NOTEBOOK, 'v1');
    expect(analyse(NOTEBOOK, 'v2').parsed).toBe(3);
  });

  it('ignores a damaged file and replaces it', () => {
    analyse(NOTEBOOK);
    const [file] = readdirSync(folder());
    writeFileSync(join(folder(), file), '{"version": "v1", "cells": [[');
    expect(analyse(NOTEBOOK).parsed).toBe(3);
    expect(analyse(NOTEBOOK).parsed).toBe(0);
  });

  it('is off with CELLPIPE_ANALYSIS_CACHE=0, and where the code was not built with a version (ts-jest)', () => {
    expect(AnalysisCache.open(path(), { ...env, CELLPIPE_ANALYSIS_CACHE: '0' }, 'v1')).toBeUndefined();
    expect(AnalysisCache.open(path(), env)).toBeUndefined();
  });

  it('keeps its files private to the user', () => {
    analyse(NOTEBOOK);
    const [file] = readdirSync(folder());
    expect(statSync(join(folder(), file)).mode & 0o777).toBe(0o600);
    expect(statSync(folder()).mode & 0o777).toBe(0o700);
  });
});
