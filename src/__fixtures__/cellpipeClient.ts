/**
 * The cellpipe service as a spec plays it: a CellpipeClient automocked by the spec
 * (`jest.mock('../api/client')`, as jupyterlab-git mocks its HTTP module), given the answers of
 * a service that has no runs yet, and the run streams the model opened, to play events into.
 */
import { CellpipeClient, type RunStreamHandlers } from '../api/client';
import type { HealthReport } from '../core/run/api';

export const HEALTHY: HealthReport = { status: 'ok', version: '0.1.0', pid: 4242, node: 'v20.19.0', uptimeSeconds: 3 };

export function mockedClient(): jest.Mocked<CellpipeClient> {
  const client = jest.mocked(new CellpipeClient(), { shallow: true }) as jest.Mocked<CellpipeClient>;
  client.health.mockResolvedValue(HEALTHY);
  client.prepareRun.mockResolvedValue(undefined);
  client.runs.mockResolvedValue([]);
  client.stepLog.mockResolvedValue('');
  client.stepOutputs.mockResolvedValue([]);
  client.cellOutputs.mockImplementation(async runId => ({ runId, cells: [] }));
  client.watch.mockImplementation(() => jest.fn());
  return client;
}

export interface RunStream {
  handlers: RunStreamHandlers;
  /** The function the model calls to stop following the run. */
  close: jest.Mock;
}

/** The latest stream the model opened for a run (fails the spec if it opened none). */
export function runStream(client: jest.Mocked<CellpipeClient>, runId: string): RunStream {
  const index = client.watch.mock.calls.map(([id]) => id).lastIndexOf(runId);
  if (index < 0) {
    throw new Error(`the model does not follow run ${runId}`);
  }
  return { handlers: client.watch.mock.calls[index][1], close: client.watch.mock.results[index].value as jest.Mock };
}
