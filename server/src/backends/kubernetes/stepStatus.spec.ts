/**
 * Workflow nodes read as step states, for the nodes cellpipe's fan-out and serve tasks add
 * (compile/argo/fanOut.ts, launchers.ts): canned statuses as Argo writes them.
 */
import { RESULT_PARAMETER } from '../../../../src/core/compile/runtime/contract';
import { SERVED_PARAMETER } from '../../../../src/core/compile/argo/launchers';
import type { StepState } from '../../../../src/core/run/types';
import type { ArgoNode, ArgoWorkflow } from './argoWorkflow';
import { argoStepStates } from './stepStatus';

const step = (id: string): StepState => ({ id, name: id, status: 'Pending', dependsOn: [], cached: false, attempts: 0 });

function workflow(phase: string, nodes: Array<Partial<ArgoNode> & { displayName: string }>): ArgoWorkflow {
  return {
    metadata: { name: 'wf' },
    spec: {},
    status: {
      phase,
      nodes: Object.fromEntries(nodes.map((n, i) => [`n${i}`, { id: `n${i}`, name: `wf.${n.displayName}`, type: 'Pod', phase: 'Succeeded', ...n }]))
    }
  } as unknown as ArgoWorkflow;
}

const result = (value: object): ArgoNode['outputs'] => ({ parameters: [{ name: RESULT_PARAMETER, value: JSON.stringify(value) }] });

describe('argoStepStates', () => {
  it("reads a fan-out step's items while they run, the unstarted ones pending", () => {
    const wf = workflow('Running', [
      { displayName: 'train--items', type: 'DAG', phase: 'Running', inputs: { parameters: [{ name: 'items', value: '[0,1,2]' }] } } as never,
      { displayName: 'item(0:0)', templateName: 'train--item', phase: 'Succeeded' },
      { displayName: 'item(1:1)', templateName: 'train--item', phase: 'Running' }
    ]);
    const [train] = argoStepStates(wf, [step('train')]);
    expect(train.status).toBe('Running');
    expect(train.instances?.map(i => i.status)).toEqual(['Succeeded', 'Running', 'Pending']);
  });

  it('names the first failed item, counted from 1, with where its code raised', () => {
    const failure = { status: 'Failed', error: { kind: 'user', message: 'ValueError: bad', cell: '<cell 3: step train>', line: 4 } };
    const wf = workflow('Failed', [
      { displayName: 'train--items', type: 'DAG', phase: 'Failed', inputs: { parameters: [{ name: 'items', value: '["a","b","c"]' }] } } as never,
      { displayName: 'item(0:a)', templateName: 'train--item', phase: 'Succeeded' },
      { displayName: 'item(1:b)', templateName: 'train--item', phase: 'Failed', outputs: result(failure) },
      { displayName: 'train', type: 'Skipped', phase: 'Omitted' }
    ]);
    const [train] = argoStepStates(wf, [step('train')]);
    expect(train.status).toBe('Failed');
    expect(train.message).toMatch(/^item 2 of 3 failed: ValueError: bad/);
    expect(train.failure).toEqual({ cell: 2, line: 4, error: 'ValueError: bad' });
    expect(train.instances?.map(i => i.status)).toEqual(['Succeeded', 'Failed', 'Skipped']);
  });

  it("reads a served model's URL from its serve task, or why it failed", () => {
    const served = { name: 'iris-train', url: 'http://iris-train.ml.example.com', status: 'Ready', prediction: [0, 1] };
    const ready = workflow('Succeeded', [
      { displayName: 'train', outputs: result({ status: 'Succeeded' }) },
      { displayName: 'train--serve', outputs: { parameters: [{ name: SERVED_PARAMETER, value: JSON.stringify(served) }] } }
    ]);
    expect(argoStepStates(ready, [step('train')])[0].served).toEqual({
      name: 'iris-train',
      url: 'http://iris-train.ml.example.com',
      status: 'Ready'
    });
    const never = workflow('Failed', [
      { displayName: 'train', outputs: result({ status: 'Succeeded' }) },
      { displayName: 'train--serve', phase: 'Failed', message: 'InferenceService iris-train was not Ready after 600 s' }
    ]);
    expect(argoStepStates(never, [step('train')])[0].served).toEqual({
      name: 'train',
      url: '',
      status: 'Failed',
      message: 'InferenceService iris-train was not Ready after 600 s'
    });
  });
});
