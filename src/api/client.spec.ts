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

function response(status: number, body: string): Response {
  return { ok: status < 400, status, statusText: 'status text', text: async () => body } as Response;
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

  it('closes the stream at once when it starts on a finished run', () => {
    client.watch('r1', { state: () => undefined, event: () => undefined });
    FakeEventSource.opened[0].send('state', runState('r1', [], { status: 'Succeeded' }));
    expect(FakeEventSource.opened[0].closed).toBe(true);
  });
});
