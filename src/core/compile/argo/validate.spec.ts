import { compileArgoWorkflow, type ArgoWorkflow } from '.';
import { corpusPipelines } from '../cluster/__fixtures__/pipelines';
import { templateTags, validateArgoWorkflow } from './validate';

/** A valid Workflow to break, one way per test. */
function workflow(): ArgoWorkflow {
  const [, pipeline] = corpusPipelines().find(([name]) => name === 'parallel_branches')!;
  return compileArgoWorkflow(pipeline);
}

describe('validateArgoWorkflow', () => {
  it('accepts a compiled Workflow', () => {
    expect(validateArgoWorkflow(workflow())).toEqual([]);
  });

  it.each<[string, (wf: any) => void, RegExp]>([
    ['an unknown field', wf => (wf.spec.templates[1].script.imagePullPolicy = 'Always'), /must NOT have additional properties \(imagePullPolicy\)/],
    ['a misspelt field', wf => (wf.spec.entryPoint = wf.spec.entrypoint), /additional properties \(entryPoint\)/],
    ['a number where Argo wants a string', wf => (wf.spec.templates[2].activeDeadlineSeconds = 60), /activeDeadlineSeconds must be string/],
    ['an upper-case template name', wf => (wf.spec.templates[2].name = 'Load'), /templates\/2\/name must match pattern/],
    ['a template name over 63 characters', wf => (wf.spec.templates[2].name = 'a'.repeat(64)), /must NOT have more than 63 characters/],
    ['a generateName over 58 characters', wf => (wf.metadata.generateName = 'a'.repeat(58) + '-'), /generateName must NOT have more than 58/],
    ['a bad parameter name', wf => (wf.spec.arguments = { parameters: [{ name: 'a b', value: '1' }] }), /parameters\/0\/name must match pattern/],
    ['a missing template', wf => (wf.spec.templates[0].dag.tasks[1].template = 'nowhere'), /task load references missing template nowhere/],
    ['a missing dependency', wf => (wf.spec.templates[0].dag.tasks[2].dependencies = ['ghost']), /task average depends on missing task ghost/],
    ['a cycle', wf => (wf.spec.templates[0].dag.tasks[1].dependencies = ['report']), /dependency cycle .*load -> report/],
    ['a duplicate template', wf => wf.spec.templates.push({ ...wf.spec.templates[2] }), /duplicate template load/],
    ['a missing entrypoint', wf => (wf.spec.entrypoint = 'main'), /spec.entrypoint main is not a template/],
    [
      'an undeclared parameter reference',
      wf => wf.spec.templates[2].script.env.push({ name: 'X', value: '{{workflow.parameters.nope}}' }),
      /unresolvable reference \{\{workflow.parameters.nope\}\}/
    ],
    [
      'an input reference',
      wf => (wf.spec.templates[2].script.source += '{{inputs.parameters.x}}'),
      /unresolvable reference \{\{inputs.parameters.x\}\}/
    ],
    ['an unterminated template', wf => (wf.spec.templates[2].script.source += '{{workflow.name'), /'\{\{' without a closing '\}\}'/],
    ['a template in metadata', wf => (wf.metadata.labels.x = '{{workflow.name}}'), /metadata: unresolvable reference|invalid label/],
    ['a bad label', wf => (wf.spec.templates[2].metadata.labels.team = 'not valid!'), /template load: invalid label team=not valid!/],
    ['a mount of no volume', wf => (wf.spec.templates[2].script.volumeMounts[0].name = 'other'), /template load: mounts missing volume other/],
    ['duplicate env vars', wf => wf.spec.templates[2].script.env.push({ name: 'CELLPIPE_DATA_DIR', value: '/x' }), /duplicate env var names/],
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

describe('templateTags', () => {
  it('finds tags the way Argo does, including nested braces', () => {
    expect(templateTags('{"a": {{workflow.parameters.a}}}')).toEqual({ tags: ['workflow.parameters.a'], unterminated: false });
    expect(templateTags('x {{ pod.name }} {{y')).toEqual({ tags: ['pod.name'], unterminated: true });
  });
});
