/**
 * A compiled KFP pipeline's containers run as KFP's launcher runs them, on a folder as the volume:
 * the setup task, then each step's guarded script, with the placeholders of their arguments
 * substituted (the run's uuid, parameters as their text, the path of the step's HTML output
 * artifact, whose folder the launcher makes) and the container's env. Each step leaves its outputs
 * page where the launcher uploads the `system.HTML` artifact from (after a successful step only),
 * which the KFP UI renders.
 */
import { readFileSync } from 'node:fs';
import { KFP_SETUP_TASK, compileKfp } from '.';
import { notebookJson, step } from '../../__fixtures__/notebookBuilder';
import { pipelineOf, withTempDir } from '../cluster/__fixtures__/pipelines';
import { defaultParameters, launch, type Container, type LaunchedSpec } from './__fixtures__/launcher';

describe('the outputs page of KFP steps, as the launcher runs them', () => {
  const notebook = notebookJson([
    { code: 'ROWS = 3', tags: ['pipeline-parameters'] },
    step('load', 'rows = list(range(ROWS))\nprint("loaded", len(rows), "<rows>")\nlen(rows)'),
    step('check', 'print("checking", rows)\nassert len(rows) > 5, "too few rows"')
  ]);
  const pipeline = pipelineOf(notebook);
  const spec = compileKfp(pipeline).pipelineSpec as unknown as LaunchedSpec;
  const executor = (task: string): Container => spec.deploymentSpec.executors[`exec-${task}`].container;
  const parameters = defaultParameters(spec);

  it("writes each step's cells and outputs to its HTML artifact's path, for a failed step too (which KFP does not upload)", () =>
    withTempDir(root => {
      const setup = launch(executor(KFP_SETUP_TASK), KFP_SETUP_TASK, root, parameters);
      expect([setup.status, setup.stderr]).toEqual([0, '']);

      const load = launch(executor('load'), 'load', root, parameters);
      expect([load.status, load.stdout, load.stderr]).toEqual([0, 'loaded 3 <rows>\n', '']);
      const page = readFileSync(load.page, 'utf8');
      expect(page).toMatch(/^<!DOCTYPE html>/);
      expect(page).toContain('<div class="label">cell 2</div>');
      expect(page).toContain(
        '<pre class="source">rows = list(range(ROWS))\nprint(&quot;loaded&quot;, len(rows), &quot;&lt;rows&gt;&quot;)\nlen(rows)</pre>'
      );
      expect(page).toContain('<div class="output"><pre class="stdout">loaded 3 &lt;rows&gt;\n</pre></div>');
      expect(page).toContain('<div class="output"><pre class="output">3</pre></div>');

      const check = launch(executor('check'), 'check', root, parameters);
      expect(check.status).toBe(1);
      expect(check.stderr).toContain('AssertionError: too few rows');
      const failed = readFileSync(check.page, 'utf8');
      expect(failed).toContain('<pre class="stdout">checking [0, 1, 2]\n</pre>');
      expect(failed).toMatch(/<pre class="error">[^<]*AssertionError: too few rows/);
    }));
});
