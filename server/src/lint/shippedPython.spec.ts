/**
 * The Python sources cellpipe bundles as text ship without comments and docstrings
 * (scripts/python-commentary.cjs, applied by the bundle and by Jest's transform alike): each
 * shipped text is checked against its source by Python's own tokenizer and parser
 * (shipped_python.py), which must find the same statements on the same lines and no comment.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DISTRIBUTED_SOURCE,
  FAN_OUT_SOURCE,
  OUTPUT_CAPTURE_SOURCE,
  OUTPUTS_PAGE_SOURCE,
  RUNTIME_SOURCE,
  SERVE_SOURCE,
  STEP_ENTRY_SOURCE
} from '../../../src/core/compile/runtime';
import { testPython } from '../testing/cliProcess';
import commentaryFixture from './__fixtures__/commentary.py';
import clusterLauncher from '../../../src/core/compile/cluster/cellpipe_launcher.py';
import installedPackagesProbe from '../app/installed_packages.py';
import stepLauncher from '../backends/local/step_launcher.py';
import serveModel from '../backends/local/serve_model.py';

const root = join(__dirname, '..', '..', '..');

/** Each text bundled, by its source file. */
const SHIPPED: Record<string, string> = {
  'src/core/compile/runtime/cellpipe_runtime.py': RUNTIME_SOURCE,
  'src/core/compile/runtime/cellpipe_outputs.py': OUTPUT_CAPTURE_SOURCE,
  'src/core/compile/runtime/cellpipe_fanout.py': FAN_OUT_SOURCE,
  'src/core/compile/runtime/cellpipe_distributed.py': DISTRIBUTED_SOURCE,
  'src/core/compile/runtime/cellpipe_serve.py': SERVE_SOURCE,
  'src/core/compile/runtime/cellpipe_outputs_page.py': OUTPUTS_PAGE_SOURCE,
  'src/core/compile/runtime/cellpipe_step.py': STEP_ENTRY_SOURCE,
  'src/core/compile/cluster/cellpipe_launcher.py': clusterLauncher,
  'server/src/app/installed_packages.py': installedPackagesProbe,
  'server/src/backends/local/step_launcher.py': stepLauncher,
  'server/src/backends/local/serve_model.py': serveModel,
  'server/src/lint/__fixtures__/commentary.py': commentaryFixture
};

/** What shipped_python.py finds wrong with these texts (shipped: by source file). */
function problems(shipped: Record<string, string>): string[] {
  const files = Object.entries(shipped).map(([name, text]) => ({ name, source: readFileSync(join(root, name), 'utf8'), shipped: text }));
  const run = spawnSync(testPython, [join(__dirname, 'shipped_python.py')], { input: JSON.stringify(files), encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as string[];
}

describe('Python shipped as text', () => {
  it('is each source without its comments and lone strings, every statement on its own line', () => {
    expect(problems(SHIPPED)).toEqual([]);
  });

  it('is smaller by its commentary (the runtime by about a third)', () => {
    const source = readFileSync(join(root, 'src/core/compile/runtime/cellpipe_runtime.py'), 'utf8');
    expect(source).toContain('"""');
    expect(RUNTIME_SOURCE).not.toContain('"""');
    expect(RUNTIME_SOURCE.length).toBeLessThan(source.length * 0.8);
  });

  it('keeps what only looks like commentary, and a statement in each block', () => {
    expect(commentaryFixture).toContain('"b": "# not a comment: a string",');
    expect(commentaryFixture).toContain('return table, f"{os.sep}"\n');
    expect(commentaryFixture).toContain('class OnlyADocstring:\n    pass\n');
    expect(commentaryFixture).toContain('def one_line(): pass\n');
    expect(commentaryFixture).toContain('"a lone string before a semicolon"; value = 2\n');
    expect(commentaryFixture).toContain('print(value,\n      2)\n');
  });

  it('is refused by the oracle when a statement moved, went, or a comment stayed', () => {
    const name = 'server/src/lint/__fixtures__/commentary.py';
    const moved = commentaryFixture.replace('\n\ndef documented', '\ndef documented');
    const gone = commentaryFixture.replace('    return a\n', '    pass\n');
    const commented = commentaryFixture.replace('import os\n', 'import os  # kept\n');
    expect(problems({ [name]: moved })).toEqual([
      `${name}: ${moved.split('\n').length - 1} lines shipped, ${commentaryFixture.split('\n').length - 1} in the source`,
      `${name}: the shipped code is not the source's (or not on the same lines)`
    ]);
    expect(problems({ [name]: gone })).toEqual([`${name}: the shipped code is not the source's (or not on the same lines)`]);
    expect(problems({ [name]: commented })).toEqual([`${name}: a comment is left on line 6: # kept`]);
  });
});
