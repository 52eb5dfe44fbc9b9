import { compileArgoWorkflow, ARGO_ENTRYPOINT, ARGO_SETUP_TASK, type ArgoWorkflow } from '.';
import { corpusPipelines, pipelineOf } from '../cluster/__fixtures__/pipelines';
import { decodePayload, encodePayload, payloadPartOf, stepScriptPath } from '../cluster/stepPayload';
import { generateNotebook } from '../../__fixtures__/generatedNotebook';
import { notebookJson, step } from '../../__fixtures__/notebookBuilder';
import { argoSetupPartTask } from './labels';
import { templateTags, validateArgoWorkflow } from './validate';

/** An object of the Workflow seen as plain JSON, to add fields or values its type does not allow. */
const loose = (value: object): Record<string, unknown> => value as Record<string, unknown>;

/** A valid Workflow to break, one way per test. */
function workflow(): ArgoWorkflow {
  const [, pipeline] = corpusPipelines().find(([name]) => name === 'parallel_branches')!;
  return compileArgoWorkflow(pipeline);
}

describe('validateArgoWorkflow', () => {
  it('accepts a compiled Workflow', () => {
    expect(validateArgoWorkflow(workflow())).toEqual([]);
  });

  it.each<[string, (wf: ArgoWorkflow) => void, RegExp]>([
    [
      'an unknown field',
      wf => (loose(wf.spec.templates[1].script!).imagePullPolicy = 'Always'),
      /must NOT have additional properties \(imagePullPolicy\)/
    ],
    ['a misspelt field', wf => (loose(wf.spec).entryPoint = wf.spec.entrypoint), /additional properties \(entryPoint\)/],
    ['a number where Argo wants a string', wf => (loose(wf.spec.templates[2]).activeDeadlineSeconds = 60), /activeDeadlineSeconds must be string/],
    ['an upper-case template name', wf => (wf.spec.templates[2].name = 'Load'), /templates\/2\/name must match pattern/],
    ['a template name over 63 characters', wf => (wf.spec.templates[2].name = 'a'.repeat(64)), /must NOT have more than 63 characters/],
    ['a generateName over 58 characters', wf => (wf.metadata.generateName = 'a'.repeat(58) + '-'), /generateName must NOT have more than 58/],
    ['a bad parameter name', wf => (wf.spec.arguments = { parameters: [{ name: 'a b', value: '1' }] }), /parameters\/0\/name must match pattern/],
    ['a missing template', wf => (wf.spec.templates[0].dag!.tasks[1].template = 'nowhere'), /task load references missing template nowhere/],
    ['a missing dependency', wf => (wf.spec.templates[0].dag!.tasks[2].dependencies = ['ghost']), /task average depends on missing task ghost/],
    ['a cycle', wf => (wf.spec.templates[0].dag!.tasks[1].dependencies = ['report']), /dependency cycle .*load -> report/],
    ['a duplicate template', wf => wf.spec.templates.push({ ...wf.spec.templates[2] }), /duplicate template load/],
    ['a missing entrypoint', wf => (wf.spec.entrypoint = 'main'), /spec.entrypoint main is not a template/],
    [
      'an undeclared parameter reference',
      wf => wf.spec.templates[2].script!.env!.push({ name: 'X', value: '{{workflow.parameters.nope}}' }),
      /unresolvable reference \{\{workflow.parameters.nope\}\}/
    ],
    [
      'an input reference',
      wf => (wf.spec.templates[2].script!.source += '{{inputs.parameters.x}}'),
      /unresolvable reference \{\{inputs.parameters.x\}\}/
    ],
    ['an unterminated template', wf => (wf.spec.templates[2].script!.source += '{{workflow.name'), /'\{\{' without a closing '\}\}'/],
    ['a template in metadata', wf => (wf.metadata.labels!.x = '{{workflow.name}}'), /metadata: unresolvable reference|invalid label/],
    ['a bad label', wf => (wf.spec.templates[2].metadata!.labels!.team = 'not valid!'), /template load: invalid label team=not valid!/],
    ['a mount of no volume', wf => (wf.spec.templates[2].script!.volumeMounts![0].name = 'other'), /template load: mounts missing volume other/],
    ['duplicate env vars', wf => wf.spec.templates[2].script!.env!.push({ name: 'CELLPIPE_DATA_DIR', value: '/x' }), /duplicate env var names/],
    [
      'a template with both dag and script',
      wf => (wf.spec.templates[2].dag = { tasks: [{ name: 'x', template: 'load' }] }),
      /needs exactly one of dag and script/
    ],
    ['a Workflow without a name', wf => delete wf.metadata.generateName, /needs exactly one of name and generateName/]
  ])('rejects %s', (_what, breakIt, problem) => {
    const wf = workflow();
    breakIt(wf);
    const problems = validateArgoWorkflow(wf);
    expect(problems).toContainEqual(expect.stringMatching(problem));
  });
});

/** The setup template's source, where the step payload is (one part in the workflow() above). */
const setupOf = (wf: ArgoWorkflow) => wf.spec.templates.find(t => t.name === ARGO_SETUP_TASK)!.script!;

/** Rewrites the files of the setup template's payload. */
function repack(wf: ArgoWorkflow, change: (files: Record<string, string>) => void): void {
  const setup = setupOf(wf);
  const files = decodePayload(payloadPartOf(setup.source)!) as Record<string, string>;
  change(files);
  setup.source = setup.source.replace(payloadPartOf(setup.source)!, encodePayload(files));
}

describe('validateArgoWorkflow: the step payload', () => {
  it.each<[string, (wf: ArgoWorkflow) => void, RegExp]>([
    [
      'a payload that is not gzip',
      wf => (setupOf(wf).source = setupOf(wf).source.replace(payloadPartOf(setupOf(wf).source)!, 'AAAA')),
      /cannot be unpacked/
    ],
    [
      'a payload without a step script',
      wf => repack(wf, files => delete files[stepScriptPath('load')]),
      /template load: the step payload has no script of this step/
    ],
    [
      "another step's script in its place",
      wf => repack(wf, files => (files[stepScriptPath('load')] = files[stepScriptPath('report')])),
      /template load: the step payload has no script of this step/
    ],
    ['a payload without the runtime file', wf => repack(wf, files => delete files['_cellpipe/cellpipe_runtime.py']), /no runtime file/],
    ['a step that runs no script', wf => (wf.spec.templates[2].script!.source = 'print(1)\n'), /template load: its source runs no step script/],
    [
      'a part that is not there',
      wf => (setupOf(wf).source = setupOf(wf).source.replace('_PAYLOAD_PARTS = 1', '_PAYLOAD_PARTS = 2')),
      /parts 2 are missing/
    ],
    [
      'a template too large for its pod',
      wf => (wf.spec.templates[2].script!.source += '#'.repeat(128 * 1024)),
      /template load: \d+ bytes as JSON, more than a pod's template can be/
    ]
  ])('rejects %s', (_what, breakIt, problem) => {
    const wf = workflow();
    breakIt(wf);
    expect(validateArgoWorkflow(wf)).toContainEqual(expect.stringMatching(problem));
  });

  describe('in parts', () => {
    const large = () => compileArgoWorkflow(pipelineOf(generateNotebook(1000)));

    it('accepts the 1,000-cell notebook, whose payload takes a part task the setup waits for', () => {
      const wf = large();
      expect(wf.spec.templates.map(t => t.name)).toContain(argoSetupPartTask(2));
      expect(validateArgoWorkflow(wf)).toEqual([]);
    });

    it('rejects a setup that does not wait for a part, and a part that is cut', () => {
      const unwaited = large();
      delete unwaited.spec.templates[0].dag!.tasks.find(task => task.name === ARGO_SETUP_TASK)!.dependencies;
      expect(validateArgoWorkflow(unwaited)).toEqual([
        `task ${ARGO_SETUP_TASK} does not wait for ${argoSetupPartTask(2)}, which writes part of the step payload`
      ]);
      const cut = large();
      const part = cut.spec.templates.find(t => t.name === argoSetupPartTask(2))!.script!;
      part.source = part.source.replace(payloadPartOf(part.source)!, payloadPartOf(part.source)!.slice(0, -400));
      expect(validateArgoWorkflow(cut)).toContainEqual(expect.stringMatching(/the step payload cannot be unpacked/));
    });
  });
});

describe('templateTags', () => {
  it('finds tags the way Argo does, including nested braces', () => {
    expect(templateTags('{"a": {{workflow.parameters.a}}}')).toEqual({ tags: ['workflow.parameters.a'], unterminated: false });
    expect(templateTags('x {{ pod.name }} {{y')).toEqual({ tags: ['pod.name'], unterminated: true });
  });
});

describe("validateArgoWorkflow: a fan-out step's references (docs/fan-out.md)", () => {
  /** make -> train (foreach:folds:2: the train--items task, then the gather) -> report. */
  function fanOutWorkflow(): ArgoWorkflow {
    return compileArgoWorkflow(
      pipelineOf(
        notebookJson([
          step('make', 'folds = [1, 2]\nscores = []'),
          step('train', 'for fold in folds:\n    scores.append(fold)', 'foreach:folds:2'),
          step('report', 'print(scores)')
        ])
      )
    );
  }
  const template = (wf: ArgoWorkflow, name: string) => wf.spec.templates.find(t => t.name === name)!;
  const entryTask = (wf: ArgoWorkflow, name: string) => template(wf, ARGO_ENTRYPOINT).dag!.tasks.find(t => t.name === name)!;
  const itemTask = (wf: ArgoWorkflow) => template(wf, 'train--items').dag!.tasks[0];

  it('accepts the compiled Workflow', () => {
    expect(validateArgoWorkflow(fanOutWorkflow())).toEqual([]);
  });

  it.each<[string, (wf: ArgoWorkflow) => void, RegExp]>([
    [
      'a withParam of a task it does not wait for',
      wf => (entryTask(wf, 'train--items').dependencies = [ARGO_SETUP_TASK]),
      /task train--items: unresolvable reference \{\{tasks.make.outputs.parameters.cellpipe-items-0\}\}/
    ],
    [
      'an output parameter the producer does not declare',
      wf => (template(wf, 'make').outputs!.parameters = template(wf, 'make').outputs!.parameters.filter(p => p.name !== 'cellpipe-items-0')),
      /task train--items: unresolvable reference \{\{tasks.make.outputs.parameters.cellpipe-items-0\}\}/
    ],
    ['{{item}} in a task without withParam', wf => delete itemTask(wf).withParam, /task item: unresolvable reference \{\{item\}\}/],
    [
      'a withParam of an input the DAG template does not declare',
      wf => (itemTask(wf).withParam = '{{inputs.parameters.list}}'),
      /task item: unresolvable reference \{\{inputs.parameters.list\}\}/
    ],
    [
      "an input parameter of the task's template without a value",
      wf => delete entryTask(wf, 'train--items').arguments,
      /task train--items: no value for input parameter items of template train--items/
    ],
    ['parallelism on a pod template', wf => (template(wf, 'train--item').parallelism = 2), /template train--item: parallelism governs a DAG/],
    ['failFast on a pod template', wf => (template(wf, 'train--item').failFast = true), /template train--item: failFast governs a DAG/],
    ['a failFast that is not a boolean', wf => (loose(template(wf, 'train--items')).failFast = 'true'), /failFast must be boolean/],
    ['a parallelism of 0', wf => (template(wf, 'train--items').parallelism = 0), /parallelism must be >= 1/],
    ['an empty withParam', wf => (itemTask(wf).withParam = ''), /withParam must NOT have fewer than 1 characters/]
  ])('rejects %s', (_what, breakIt, problem) => {
    const wf = fanOutWorkflow();
    breakIt(wf);
    expect(validateArgoWorkflow(wf)).toContainEqual(expect.stringMatching(problem));
  });
});
