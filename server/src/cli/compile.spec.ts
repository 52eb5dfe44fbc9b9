/** Runs the real bundled CLI (`cellpipe compile --target argo|kfp`) on corpus notebooks. */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { validateArgoWorkflow } from '../../../src/core/compile/argo/validate';
import { cliBundle, repoRoot as root } from '../testing/cliProcess';

/** The CLI bundled from this checkout (server/build.mjs, into a file of this test's own). */
let cli: string;
const corpus = join(root, 'src', 'core', '__fixtures__', 'notebooks');

function compile(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, 'compile', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  cli = cliBundle();
}, 120_000);

describe('cellpipe compile', () => {
  test('--target argo prints a valid Workflow, and says when the volume is ReadWriteOnce under parallel branches', () => {
    const { status, stdout, stderr } = compile(join(corpus, 'parallel_branches.ipynb'), '--target', 'argo', '--namespace', 'ml');
    expect(status).toBe(0);
    const workflow = parse(stdout);
    expect(workflow.kind).toBe('Workflow');
    expect(workflow.metadata.namespace).toBe('ml');
    expect(validateArgoWorkflow(workflow)).toEqual([]);
    expect(stderr).toMatch(/volume-read-write-once/);
  });

  test('--target argo --template -o FILE writes a WorkflowTemplate', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cellpipe-compile-')), 'wf.yaml');
    const { status, stdout } = compile(join(corpus, 'kale_titanic.ipynb'), '--target', 'argo', '--template', '-o', file);
    expect(status).toBe(0);
    expect(stdout).toBe('');
    const template = parse(readFileSync(file, 'utf8'));
    expect(template.kind).toBe('WorkflowTemplate');
    expect(validateArgoWorkflow(template)).toEqual([]);
  });

  test('--target kfp writes two YAML documents: the PipelineSpec and the kubernetes platform', () => {
    const { status, stdout } = compile(join(corpus, 'kale_titanic.ipynb'), '--target', 'kfp');
    expect(status).toBe(0);
    const documents = parseAllDocuments(stdout).map(d => d.toJSON());
    expect(documents).toHaveLength(2);
    expect(documents[0].schemaVersion).toBe('2.1.0');
    expect(Object.keys(documents[1].platforms)).toEqual(['kubernetes']);
  });

  test('usage errors exit 2', () => {
    expect(compile(join(corpus, 'kale_titanic.ipynb'), '--target', 'tekton')).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/unknown --target 'tekton'/)
    });
    expect(compile(join(corpus, 'kale_titanic.ipynb'), '--target', 'kfp', '--template')).toMatchObject({ status: 2 });
  });
});
