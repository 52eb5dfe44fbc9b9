import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1ContainerState, V1Pod } from '@kubernetes/client-node';
import type { StepState } from '../../../../src/core/run/types';
import { NODE_ID_ANNOTATION, type ArgoPhase, type ArgoWorkflow } from './argoWorkflow';
import { KubernetesApiError } from './kubernetesErrors';
import { RunLogFollower, type LogFollowerOptions } from './logFollower';

/**
 * The follower against a stub API, on Jest's fake clock: what must not happen (asking a deleted
 * pod again, reconnecting after a stop) is shown by moving the clock far on. The same behaviour
 * over HTTP is in kubernetesBackend.spec.ts.
 */

let dir: string;
beforeEach(() => {
  jest.useFakeTimers();
  dir = mkdtempSync(join(tmpdir(), 'cellpipe-follow-'));
});
afterEach(() => {
  jest.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const workflow = (phase: ArgoPhase): ArgoWorkflow => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'wf' },
  spec: {},
  status: { nodes: { 'wf-1': { id: 'wf-1', name: 'wf.train', displayName: 'train', type: 'Pod', phase } } }
});
const steps = (status: StepState['status']): StepState[] => [{ id: 'train', name: 'train', dependsOn: [], status, cached: false, attempts: 1 }];
const pod = (state: V1ContainerState): V1Pod => ({
  metadata: { name: 'wf-train-1', annotations: { [NODE_ID_ANNOTATION]: 'wf-1' } },
  status: { containerStatuses: [{ name: 'main', state } as never] }
});

function follower(api: Partial<LogFollowerOptions['api']>) {
  const shown: string[] = [];
  const stub = { listPods: jest.fn(async () => [pod({ running: {} })]), readLog: jest.fn(async () => ''), followLog: jest.fn(), ...api };
  const logs = new RunLogFollower({
    api: stub as LogFollowerOptions['api'],
    workflowName: 'wf',
    logPath: id => join(dir, id),
    onText: (_id, stream, text) => shown.push(`${stream}:${text}`),
    retryDelayMs: 5
  });
  return { logs, shown, api: stub, file: () => readFileSync(join(dir, 'train'), 'utf8') };
}

test('a 404 ends the attempt quietly: the pod is not asked again, the final read completes the log', async () => {
  const { logs, shown, api, file } = follower({
    followLog: jest.fn(async (_pod: string, onChunk: (chunk: Buffer) => void) => {
      onChunk(Buffer.from('abc\n'));
      throw new KubernetesApiError('pods "wf-train-1" not found', 404);
    }),
    readLog: jest.fn(async () => 'abc\ndef\n')
  });
  logs.update(workflow('Running'), steps('Running'));
  await jest.advanceTimersByTimeAsync(60_000);
  logs.update(workflow('Running'), steps('Running'));
  await jest.advanceTimersByTimeAsync(60_000);
  expect(api.followLog).toHaveBeenCalledTimes(1);
  logs.update(workflow('Succeeded'), steps('Succeeded'));
  await logs.close();
  expect(shown).toEqual(['stdout:abc\n', 'stdout:def\n']);
  expect(file()).toBe('abc\ndef\n');
});

test('a stream cut inside a character is followed again from the start, its first bytes skipped', async () => {
  const log = Buffer.from('héllo\nwörld\n');
  const states: V1ContainerState[] = [{ waiting: { reason: 'ContainerCreating' } }, { running: {} }, { terminated: { exitCode: 0 } }];
  let streams = 0;
  const { logs, shown, api, file } = follower({
    listPods: jest.fn(async () => [pod(states.length > 1 ? states.shift()! : states[0])]),
    followLog: jest.fn(async (_pod: string, onChunk: (chunk: Buffer) => void) => {
      if (++streams === 1) {
        onChunk(log.subarray(0, 2)); // 'h' and half of 'é'
        throw new Error('the log stream was cut');
      }
      log.forEach(byte => onChunk(Buffer.from([byte]))); // the server sends it all again, byte by byte
    }),
    readLog: jest.fn(async () => log.toString())
  });
  logs.update(workflow('Running'), steps('Running'));
  await jest.advanceTimersByTimeAsync(60_000);
  expect(api.followLog).toHaveBeenCalledTimes(2); // not while waiting; not again once the container has exited
  logs.update(workflow('Succeeded'), steps('Succeeded'));
  await logs.close();
  expect(shown.slice(0, 2)).toEqual(['stdout:h', 'stdout:é']); // the character split by the cut is shown whole
  expect(shown.map(s => s.replace(/^stdout:/, '')).join('')).toBe('héllo\nwörld\n');
  expect(file()).toBe('héllo\nwörld\n');
});

test('stop aborts the stream and starts no other; close settles once it has ended', async () => {
  let signal: AbortSignal | undefined;
  const { logs, api } = follower({
    followLog: jest.fn(
      (_pod: string, _onChunk: (chunk: Buffer) => void, s: AbortSignal) =>
        new Promise<void>((_resolve, reject) => {
          signal = s;
          s.addEventListener('abort', () => reject(new Error('aborted')));
        })
    )
  });
  logs.update(workflow('Running'), steps('Running'));
  await jest.advanceTimersByTimeAsync(10);
  expect(signal?.aborted).toBe(false);
  logs.stop();
  expect(signal?.aborted).toBe(true);
  logs.update(workflow('Running'), steps('Running'));
  await jest.advanceTimersByTimeAsync(60_000);
  await logs.close();
  expect(api.followLog).toHaveBeenCalledTimes(1);
});
