/**
 * The pod sources run for real: the setup source writes the runtime to a data folder, then each
 * step runs as Argo runs it (parameters in env vars) and as KFP runs it (argv), in notebook order.
 */
import { spawnSync } from 'child_process';
import { pipelineOf, withTempDir } from './__fixtures__/pipelines';
import { podStepScript, setupScript, sharedSources } from './podScripts';
import { safeJson } from './parameters';

const notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    { cell_type: 'code', metadata: { tags: ['imports'] }, source: 'import json', outputs: [], execution_count: null },
    { cell_type: 'code', metadata: { tags: ['pipeline-parameters'] }, source: 'n = 2\nlabel = "{{workflow.name}} $(id)"\nopts = {"k": [1, None]}', outputs: [], execution_count: null },
    { cell_type: 'code', metadata: { tags: ['step:{{first}}'] }, source: 'print("{{workflow.name}}")\nvalues = [label] * int(json.dumps(n))', outputs: [], execution_count: null },
    { cell_type: 'code', metadata: { tags: ["step:it's $(second)"] }, source: 'print(values, json.dumps(opts["k"]), "${HOME}")', outputs: [], execution_count: null }
  ]
};

function run(source: string, env: Record<string, string>, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('python3', ['-c', source, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pod sources', () => {
  const pipeline = pipelineOf(notebook);

  it('store code several steps run once, in the setup source', () => {
    expect(sharedSources(pipeline)).toEqual(['import json']);
    expect(podStepScript(pipeline, pipeline.steps[1])).toContain("'sharedSource': 0");
    expect(podStepScript(pipeline, pipeline.steps[1])).not.toContain('import json');
  });

  it('run on Argo: env vars carry the data folder and JSON parameters; user text prints literally', () => {
    withTempDir(dir => {
      const env = { CELLPIPE_DATA_DIR: `${dir}/run`, CELLPIPE_PARAM_n: '3', CELLPIPE_PARAM_label: safeJson('x"y'), CELLPIPE_PARAM_opts: safeJson({ k: ['{{'] }) };
      expect(run(setupScript(pipeline), env).status).toBe(0);
      const first = run(podStepScript(pipeline, pipeline.steps[0]), env);
      expect(first).toMatchObject({ status: 0, stdout: '{{workflow.name}}\n' });
      const second = run(podStepScript(pipeline, pipeline.steps[1]), env);
      expect(second).toMatchObject({ status: 0, stdout: `['x"y', 'x"y', 'x"y'] ["{{"] \${HOME}\n` });
    });
  });

  it('run on KFP: argv carries the data folder and the parameters by kind', () => {
    withTempDir(dir => {
      const args = [`${dir}/run`, 'n', 'json', '2.0', 'label', 'str', 'plain text', 'opts', 'json', '{"k": 1}'];
      expect(run(setupScript(pipeline), {}, [`${dir}/run`]).status).toBe(0);
      expect(run(podStepScript(pipeline, pipeline.steps[0]), {}, args).status).toBe(0);
      expect(run(podStepScript(pipeline, pipeline.steps[1]), {}, args)).toMatchObject({ status: 0, stdout: "['plain text', 'plain text'] 1 ${HOME}\n" });
    });
  });

  it('explain a parameter that is not JSON, and a missing runtime', () => {
    withTempDir(dir => {
      const env = { CELLPIPE_DATA_DIR: dir, CELLPIPE_PARAM_n: '3', CELLPIPE_PARAM_label: 'bare words', CELLPIPE_PARAM_opts: '{}' };
      expect(run(podStepScript(pipeline, pipeline.steps[0]), env)).toMatchObject({ status: 2, stderr: expect.stringMatching(/cannot read the step runtime/) });
      run(setupScript(pipeline), env);
      expect(run(podStepScript(pipeline, pipeline.steps[0]), env)).toMatchObject({
        status: 2,
        stderr: expect.stringMatching(/parameter label: 'bare words' is not a JSON value .*strings in double quotes/)
      });
    });
  });
});
