/**
 * Every tagged notebook of Kale 2.3.0 (its examples and test assets, src/core/__fixtures__/kale-2.3)
 * compiled to Argo and KFP, the YAML parsed back: the steps, their edges and inputs are those Run
 * All implies (reviewed in kale-2.3/expected.json, rewritten with UPDATE_GOLDEN=1). A notebook
 * cellpipe cannot run says why, on the cell.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { analyzeNotebook } from '../analysis';
import { parseNotebook } from '../notebook';
import { buildPipeline } from '../pipeline';
import { ARGO_ENTRYPOINT, ARGO_SETUP_TASK, type ArgoWorkflow } from './argo';
import { golden } from './cluster/__fixtures__/pipelines';
import { KFP_CREATE_PVC_TASK, KFP_DELETE_PVC_TASK, KFP_SETUP_TASK } from './kfp';
import { compileTarget } from './targets';

const FIXTURES = join(__dirname, '..', '__fixtures__', 'kale-2.3');

/** What a notebook compiles to, in terms a reader of Run All can check; or the errors that refuse it. */
type Outcome =
  { steps: Record<string, { after: string[]; inputs: string[] }>; parameters: string[]; metrics: Record<string, string[]> } | { refused: string[] };

function outcomeOf(file: string): Outcome {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  const notebook = parseNotebook(text).notebook!;
  const analysis = analyzeNotebook(notebook, { defaultStepName: 'main' });
  const errors = analysis.diagnostics.filter(d => d.severity === 'error');
  if (errors.length) {
    return { refused: errors.map(d => `cell ${d.cell}: ${d.code}`) };
  }
  const pipeline = buildPipeline(notebook, analysis, { notebookPath: file });
  return {
    steps: Object.fromEntries(
      pipeline.steps.map(s => [s.id, { after: [...s.dependsOn].sort(), inputs: s.inputs.map(i => `${i.name} from ${i.from}`).sort() }])
    ),
    parameters: pipeline.parameters.map(p => p.name),
    metrics: Object.fromEntries(pipeline.steps.filter(s => s.metrics.length).map(s => [s.id, s.metrics]))
  };
}

const notebooks = readdirSync(FIXTURES)
  .filter(name => name.endsWith('.ipynb'))
  .sort();
const outcomes = Object.fromEntries(notebooks.map(name => [name, outcomeOf(name)]));

test('the steps, edges, inputs, parameters and metrics of every Kale notebook are the reviewed ones', () => {
  const actual = JSON.stringify(outcomes, null, 1) + '\n';
  expect(JSON.parse(actual)).toEqual(JSON.parse(golden(join(FIXTURES, 'expected.json'), actual)));
});

test('only the composition notebooks are refused: the roots on their notebook: cells, the parts as Run All fails them', () => {
  const refused = Object.entries(outcomes).filter(([, outcome]) => 'refused' in outcome);
  expect(refused.map(([name]) => name)).toEqual([
    'composition-main.ipynb',
    'composition-main_mixed.ipynb',
    'composition-notebook_b.ipynb',
    'composition-notebook_c.ipynb'
  ]);
  expect(outcomes['composition-main.ipynb']).toEqual({
    refused: ['cell 1: notebook-composition', 'cell 2: notebook-composition', 'cell 3: notebook-composition']
  });
});

test("every tag of Kale's notebooks is one cellpipe knows (report: too): none is an unknown-tag warning", () => {
  const unknown = notebooks.flatMap(name => {
    const notebook = parseNotebook(readFileSync(join(FIXTURES, name), 'utf8')).notebook!;
    const diagnostics = analyzeNotebook(notebook, { defaultStepName: 'main' }).diagnostics;
    return diagnostics.filter(d => d.code === 'unknown-tag').map(d => `${name} cell ${d.cell}: ${d.message}`);
  });
  expect(unknown).toEqual([]);
});

test("tests-mount_pvc_env_var's volume (expose_as_env_var) gives every step KALE_VOLUME_RAW_DATA=/data on Argo and KFP", () => {
  const notebook = parseNotebook(readFileSync(join(FIXTURES, 'tests-mount_pvc_env_var.ipynb'), 'utf8')).notebook!;
  const pipeline = buildPipeline(notebook, analyzeNotebook(notebook, { defaultStepName: 'main' }), { notebookPath: 'tests-mount_pvc_env_var.ipynb' });
  const variable = { name: 'KALE_VOLUME_RAW_DATA', value: '/data' };
  const [workflow] = parseAllDocuments(compileTarget(pipeline, 'argo').files[0].content).map(d => d.toJS() as ArgoWorkflow);
  const [spec] = parseAllDocuments(compileTarget(pipeline, 'kfp').files[0].content).map(d => d.toJS());
  expect(pipeline.steps.length).toBeGreaterThan(0);
  for (const step of pipeline.steps) {
    expect(workflow.spec.templates.find(t => t.name === step.id)!.script!.env).toContainEqual(variable);
    expect(spec.deploymentSpec.executors[`exec-${step.id}`].container.env).toContainEqual(variable);
  }
});

describe.each(notebooks.filter(name => !('refused' in outcomes[name])))('%s', name => {
  const expected = outcomes[name] as Extract<Outcome, { steps: unknown }>;
  const pipeline = () => {
    const notebook = parseNotebook(readFileSync(join(FIXTURES, name), 'utf8')).notebook!;
    return buildPipeline(notebook, analyzeNotebook(notebook, { defaultStepName: 'main' }), { notebookPath: name });
  };

  test('compiles to an Argo Workflow whose DAG has the steps and edges', () => {
    const [document] = parseAllDocuments(compileTarget(pipeline(), 'argo').files[0].content).map(d => d.toJS());
    const workflow = document as ArgoWorkflow;
    const tasks = workflow.spec.templates.find(t => t.name === ARGO_ENTRYPOINT)!.dag!.tasks;
    const dag = Object.fromEntries(
      tasks.filter(t => t.name !== ARGO_SETUP_TASK).map(t => [t.name, (t.dependencies ?? []).filter(d => d !== ARGO_SETUP_TASK).sort()])
    );
    expect(dag).toEqual(Object.fromEntries(Object.entries(expected.steps).map(([id, step]) => [id, step.after])));
  });

  test('compiles to a KFP pipeline whose DAG has the steps and edges', () => {
    const [spec] = parseAllDocuments(compileTarget(pipeline(), 'kfp').files[0].content).map(d => d.toJS());
    const tasks = spec.root.dag.tasks as Record<string, { dependentTasks?: string[] }>;
    const cellpipeTasks = [KFP_CREATE_PVC_TASK, KFP_DELETE_PVC_TASK, KFP_SETUP_TASK];
    const dag = Object.fromEntries(
      Object.entries(tasks)
        .filter(([id]) => !cellpipeTasks.includes(id))
        .map(([id, task]) => [id, (task.dependentTasks ?? []).filter(d => !cellpipeTasks.includes(d)).sort()])
    );
    expect(dag).toEqual(Object.fromEntries(Object.entries(expected.steps).map(([id, step]) => [id, step.after])));
    expect(Object.keys(spec.root.inputDefinitions?.parameters ?? {})).toEqual(expected.parameters);
  });
});
