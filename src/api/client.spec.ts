/** @jest-environment jsdom */
import { ServerConnection } from '@jupyterlab/services';
import { runState, stepState } from '../__fixtures__/runStates';
import type { RunEvent, RunState } from '../core/run/types';
import { CellpipeClient, ServiceError } from './client';

/** The browser's EventSource as the client uses it: listeners by event type, and close. */
class FakeEventSource {
  static opened: FakeEventSource[] = [];
  readonly listeners = new Map<string, (message: MessageEvent) => void>();
  closed = false;

  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }

  addEventListener(type: string, listener: (message: MessageEvent) => void): void {
    this.listeners.set(type, listener);
  }

  close(): void {
    this.closed = true;
  }

  send(type: string, data: RunState | RunEvent): void {
    this.listeners.get(type)!({ data: JSON.stringify(data) } as MessageEvent);
  }
}

function response(status: number, body: string, headers: Record<string, string> = {}): Response {
  const lowerCase = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    ok: status < 400,
    status,
    statusText: 'status text',
    headers: { get: (name: string) => lowerCase.get(name.toLowerCase()) ?? null },
    text: async () => body
  } as unknown as Response;
}

describe('CellpipeClient', () => {
  // What the client reads of its settings; the rest only reaches makeRequest, mocked here.
  const settings = { baseUrl: 'http://lab.test/user/me/', token: 'secret' } as ServerConnection.ISettings;
  let makeRequest: jest.SpiedFunction<typeof ServerConnection.makeRequest>;
  let client: CellpipeClient;

  beforeEach(() => {
    makeRequest = jest.spyOn(ServerConnection, 'makeRequest');
    (window as unknown as { EventSource: unknown }).EventSource = FakeEventSource;
    FakeEventSource.opened = [];
    client = new CellpipeClient(settings);
  });

  afterEach(() => {
    makeRequest.mockRestore();
  });

  it('posts the start of a run with its typed parameter values as they are', async () => {
    const started = runState('r1', [stepState('train', 'Pending')]);
    makeRequest.mockResolvedValue(response(200, JSON.stringify(started)));
    const body = { path: 'work/pipeline.ipynb', parameters: { epochs: 10, rate: 0.5, name: '7', layers: [16, 8] }, backend: 'local' as const };
    expect(await client.startRun(body)).toEqual(started);
    const [url, init] = makeRequest.mock.calls[0];
    expect(url).toBe('http://lab.test/user/me/cellpipe/api/runs');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual(body);
  });

  it("raises the service's own error message with its status", async () => {
    makeRequest.mockResolvedValue(response(400, JSON.stringify({ error: 'parameter epochs: "ten" is not of type int' })));
    const failure = client.startRun({ path: 'work/pipeline.ipynb' });
    await expect(failure).rejects.toBeInstanceOf(ServiceError);
    await expect(failure).rejects.toMatchObject({ status: 400, message: 'parameter epochs: "ten" is not of type int' });
  });

  it('follows a run until it finishes, then closes the stream', () => {
    const states: RunState[] = [];
    const events: RunEvent[] = [];
    client.watch('r1', { state: s => states.push(s), event: e => events.push(e) });
    const source = FakeEventSource.opened[0];
    expect(source.url).toBe('http://lab.test/user/me/cellpipe/api/runs/r1/events?token=secret');
    source.send('state', runState('r1', [], { status: 'Running' }));
    source.send('step', { type: 'step', runId: 'r1', step: stepState('train', 'Succeeded') });
    expect(source.closed).toBe(false);
    source.send('run', { type: 'run', runId: 'r1', status: 'Cancelled' });
    expect(source.closed).toBe(true);
    expect(states.map(s => s.status)).toEqual(['Running']);
    expect(events.map(e => e.type)).toEqual(['step', 'run']);
  });

  it("passes on a run's cell-outputs events", () => {
    const events: RunEvent[] = [];
    client.watch('r1', { state: () => undefined, event: e => events.push(e) });
    FakeEventSource.opened[0].send('cell-outputs', { type: 'cell-outputs', runId: 'r1', stepId: 'train', cells: [2, 3] });
    expect(events).toEqual([{ type: 'cell-outputs', runId: 'r1', stepId: 'train', cells: [2, 3] }]);
  });

  it("reads a run's cell outputs, all of them or one step's", async () => {
    const reply = { runId: 'r 1', cells: [] };
    makeRequest.mockResolvedValue(response(200, JSON.stringify(reply)));
    expect(await client.cellOutputs('r 1')).toEqual(reply);
    expect(await client.cellOutputs('r 1', 'train & test')).toEqual(reply);
    expect(makeRequest.mock.calls.map(([url]) => url)).toEqual([
      'http://lab.test/user/me/cellpipe/api/runs/r%201/cell-outputs',
      'http://lab.test/user/me/cellpipe/api/runs/r%201/cell-outputs?step=train%20%26%20test'
    ]);
  });

  it('fetches the executed notebook under the name the service gives it', async () => {
    const notebook = '{"nbformat": 4, "cells": []}\n';
    makeRequest.mockResolvedValue(
      response(200, notebook, { 'Content-Disposition': `attachment; filename="r_sum_.r1.ipynb"; filename*=UTF-8''r%C3%A9sum%C3%A9.r1.ipynb` })
    );
    expect(await client.executedNotebook('r1')).toEqual({ fileName: 'résumé.r1.ipynb', content: notebook });
    expect(makeRequest.mock.calls[0][0]).toBe('http://lab.test/user/me/cellpipe/api/runs/r1/notebook');

    makeRequest.mockResolvedValue(response(200, notebook));
    expect((await client.executedNotebook('r1')).fileName).toBe('r1.ipynb');

    makeRequest.mockResolvedValue(response(404, JSON.stringify({ error: 'run r1 kept no copy of its notebook' })));
    await expect(client.executedNotebook('r1')).rejects.toMatchObject({ status: 404, message: 'run r1 kept no copy of its notebook' });
  });

  it('closes the stream at once when it starts on a finished run', () => {
    client.watch('r1', { state: () => undefined, event: () => undefined });
    FakeEventSource.opened[0].send('state', runState('r1', [], { status: 'Succeeded' }));
    expect(FakeEventSource.opened[0].closed).toBe(true);
  });
});
