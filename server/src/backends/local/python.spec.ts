import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineOf } from '../../../../src/core/compile/cluster/__fixtures__/pipelines';
import { magicsProblem } from './python';

describe('magics before a local run', () => {
  const notebook = (source: string) => ({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: 'code', metadata: { tags: ['step:setup'] }, source: 'x = 1', outputs: [], execution_count: null },
      { cell_type: 'code', metadata: { tags: ['step:timed'] }, source, outputs: [], execution_count: null }
    ]
  });

  it('names the steps whose magics the Python cannot run, and what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellpipe-magics-'));
    try {
      // A Python without site-packages: the standard library only, so no IPython.
      const bare = join(dir, 'python-without-site');
      writeFileSync(bare, '#!/bin/sh\nexec python3 -I -S "$@"\n');
      chmodSync(bare, 0o755);
      const magics = pipelineOf(notebook('%time y = x + 1'));
      expect(magicsProblem(magics, bare)).toBe(
        `step 'timed' (cells 2) uses IPython magics or shell commands, but ${bare} cannot import IPython: ` +
          `install it there (\`${bare} -m pip install ipython\`) or rewrite the magics as Python`
      );
      expect(magicsProblem(pipelineOf(notebook('y = x + 1')), bare)).toBeUndefined(); // no magics: not even asked
      const withIPython = spawnSync('python3', ['-c', 'import IPython']).status === 0 ? 'python3' : undefined;
      if (withIPython) {
        expect(magicsProblem(magics, withIPython)).toBeUndefined();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
