/**
 * A fan-out step (docs/fan-out.md) compiled for KFP: a ParallelFor over the producer's LIST output
 * parameter, at most `foreach:NAME:N` iterations at once, then the gather; and run as KFP runs it
 * (its launcher: __fixtures__/launcher.ts), one container per task on a folder as the volume, each
 * a fresh Python: what the items print and what the step after sees are what Run All's `for` loop
 * prints.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileKfp, KFP_SETUP_TASK } from '.';
import { notebookJson } from '../../__fixtures__/notebookBuilder';
import { pipelineOf, withTempDir } from '../cluster/__fixtures__/pipelines';
import { instanceDir, itemsFile, STEP_RESULT_FILE } from '../runtime/contract';
import { defaultParameters, launch, type Container, type LaunchedSpec } from './__fixtures__/launcher';
import { KFP_ITEM_INPUT } from './fanOut';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the PipelineSpec is read as plain JSON

/** The notebook's code cells, the fan-out step's tag `foreach` (`foreach:folds:2`: two at once). */
const cells = (foreach: string): Array<{ code: string; tags: string[] }> => [
  { code: 'import json', tags: ['imports'] },
  { code: 'scale = 10', tags: ['pipeline-parameters'] },
  { code: 'folds = [3, 1, 4, 1, 5]\nscores = []\nby_fold = {}', tags: ['step:make'] },
  {
    code: 'for i, fold in enumerate(folds):\n    scores.append(fold * scale)\n    by_fold[i] = fold\n    print("fold", i, fold)',
    tags: ['step:train', foreach]
  },
  { code: 'print(json.dumps(scores), json.dumps(by_fold), i, fold)', tags: ['step:report'] }
];
const CELLS = cells('foreach:folds:2');
const pipeline = pipelineOf(notebookJson(CELLS));
const result = compileKfp(pipeline);
const spec = result.pipelineSpec as Json;
const tasks = spec.root.dag.tasks as Json;

describe('a fan-out step in the KFP PipelineSpec', () => {
  it('compiles without errors', () => {
    expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
  });

  it("is a loop over the producer's LIST output, at most N at once, then the gather the steps after wait for", () => {
    expect(Object.keys(tasks)).toEqual(['cellpipe--createpvc', KFP_SETUP_TASK, 'make', 'train--items', 'train', 'report', 'cellpipe--deletepvc']);
    expect(spec.components['comp-make'].outputDefinitions.parameters).toEqual({ cellpipe_items_0: { parameterType: 'LIST' } });
    const list = 'pipelinechannel--make-cellpipe_items_0';
    expect(tasks['train--items']).toMatchObject({
      componentRef: { name: 'comp-train--items' },
      dependentTasks: ['make'],
      inputs: { parameters: { [list]: { taskOutputParameter: { producerTask: 'make', outputParameterKey: 'cellpipe_items_0' } } } },
      parameterIterator: { itemInput: `${list}-loop-item`, items: { inputParameter: list } },
      iteratorPolicy: { parallelismLimit: 2 }
    });
    const loop = spec.components['comp-train--items'];
    expect(loop.inputDefinitions.parameters).toEqual({
      scale: { parameterType: 'NUMBER_INTEGER' },
      [list]: { parameterType: 'LIST' },
      [`${list}-loop-item`]: { parameterType: 'STRING' }
    });
    expect(loop.dag.tasks['train--item'].inputs.parameters).toEqual({
      scale: { componentInputParameter: 'scale' },
      [KFP_ITEM_INPUT]: { componentInputParameter: `${list}-loop-item` }
    });
    expect(tasks.train.dependentTasks).toEqual(['train--items']);
    expect(tasks.report.dependentTasks).toEqual(['train']);
    expect(tasks['cellpipe--deletepvc'].dependentTasks).toEqual(['cellpipe--createpvc', 'report']);
  });

  it('runs the item task as the instance of its item, the gather with CELLPIPE_GATHER', () => {
    const item = spec.deploymentSpec.executors['exec-train--item'].container;
    expect(item.args.slice(0, 2)).toEqual(['--item', `{{$.inputs.parameters['${KFP_ITEM_INPUT}']}}`]);
    expect(item.env.map((e: Json) => e.name)).not.toContain('CELLPIPE_GATHER');
    expect(spec.deploymentSpec.executors['exec-train'].container.env).toContainEqual({ name: 'CELLPIPE_GATHER', value: '1' });
    expect(spec.deploymentSpec.executors['exec-make'].container.args.slice(0, 3)).toEqual([
      '--list',
      itemsFile('folds'),
      "{{$.outputs.parameters['cellpipe_items_0'].output_file}}"
    ]);
    const platform = (result.platformSpec as Json).platforms.kubernetes.deploymentSpec.executors;
    expect(platform['exec-train--item']).toEqual(platform['exec-train']);
  });

  it('keeps no parallelism limit without N', () => {
    const unlimited = compileKfp(
      pipelineOf(notebookJson(CELLS.map(c => ('tags' in c ? { ...c, tags: c.tags.map(t => t.replace('foreach:folds:2', 'foreach:folds')) } : c))))
    );
    expect((unlimited.pipelineSpec as Json).root.dag.tasks['train--items'].iteratorPolicy).toBeUndefined();
  });
});

describe('a fan-out step run as KFP runs it', () => {
  const executor = (task: string): Container => (spec as LaunchedSpec).deploymentSpec.executors[`exec-${task}`].container;
  const parameters = defaultParameters(spec as LaunchedSpec);

  /** The notebook's cells in one fresh Python: Run All. */
  const runAll = (): string => spawnSync('python3', ['-c', CELLS.map(c => c.code).join('\n')], { encoding: 'utf8' }).stdout;

  it('prints per item what the loop prints, and the step after sees what the loop leaves, in item order', () =>
    withTempDir(root => {
      const ok = (task: string, name = task, extra: Record<string, unknown> = {}) => {
        const run = launch(executor(task), name, root, { ...parameters, ...extra });
        expect([name, run.status, run.stderr]).toEqual([name, 0, '']);
        return run;
      };
      ok(KFP_SETUP_TASK);
      const make = ok('make');
      // The loop's items: the producer's output parameter, as KFP parses a LIST parameter's file.
      const items = JSON.parse(make.outputs.cellpipe_items_0) as unknown[];
      expect(items).toEqual([0, 1, 2, 3, 4]);
      const printed = items.map(item => ok('train--item', `train--item-${item}`, { [KFP_ITEM_INPUT]: item }).stdout);
      ok('train');
      const report = ok('report');
      expect(printed.join('') + report.stdout).toBe(runAll());
    }));

  it('a failing item fails its task and records its failure; the gather refuses to run without it', () =>
    withTempDir(root => {
      launch(executor(KFP_SETUP_TASK), KFP_SETUP_TASK, root, parameters);
      launch(executor('make'), 'make', root, parameters);
      // `fold * None` raises: the run's scale is null.
      const bad = launch(executor('train--item'), 'train--item-1', root, { ...parameters, scale: null, [KFP_ITEM_INPUT]: 1 });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/File "<cell 4: step train>", line 2[^]*TypeError/);
      // The instance's own result says so (the backends name the item from it).
      const record = JSON.parse(readFileSync(join(root, 'volume', 'run-uuid', instanceDir('train', 1), STEP_RESULT_FILE), 'utf8'));
      expect(record.status).toBe('Failed');
      const gather = launch(executor('train'), 'train', root, parameters);
      expect(gather.status).toBe(3);
    }));
});
