/**
 * A local `serve:` step (docs/distributed-and-serving.md): a scikit-learn model trained by a real
 * notebook step, saved in KServe's layout, served by KServe's own ModelServer (the `kserve` package,
 * installed once into a venv under cellpipe's cache home), answering a v1 `:predict` request with
 * what the notebook's own `model.predict` returns.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { step } from '../../../../src/core/__fixtures__/notebookBuilder';
import { RunStore } from '../runStore';
import { LocalBackend } from './localBackend';
import { listServedModels, stopModelServer } from './modelServer';
import { toRunRequest } from './runRequest';
import { pipelineOfCells } from './__fixtures__/notebookRequest';

const venvPython = join(__dirname, '..', '..', '..', '..', '.venv', 'bin', 'python');
const python = existsSync(venvPython) ? venvPython : 'python3';

describe('a served model, local backend', () => {
  let home: string;
  let work: string;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'cellpipe-home-'));
    work = mkdtempSync(join(tmpdir(), 'cellpipe-work-'));
  });

  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("answers a v1 :predict request with what the notebook's model.predict returns", async () => {
    const pipeline = pipelineOfCells(
      [
        step(
          'train',
          [
            'from sklearn.datasets import load_iris',
            'from sklearn.linear_model import LogisticRegression',
            'X, y = load_iris(return_X_y=True, as_frame=True)',
            'X_test = X.iloc[::20]',
            'model = LogisticRegression(max_iter=500).fit(X, y)'
          ].join('\n'),
          'serve:model:X_test'
        )
      ],
      'iris.ipynb'
    );
    expect(pipeline.steps[0].serve).toEqual({ model: 'model', sample: 'X_test', name: 'iris-train' });
    const store = new RunStore(home);
    const backend = new LocalBackend({ store, python, workers: 2, cache: false });
    const state = await (await backend.startRequest(toRunRequest(pipeline, {}), work)).done;
    const served = state.steps[0].served!;
    try {
      expect(state.status).toBe('Succeeded');
      expect(served).toMatchObject({ name: 'iris-train', status: 'Ready', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
      expect(served.prediction!.instances).toHaveLength(8);
      expect(served.prediction!.predictions).toEqual(served.prediction!.expected);
      // Asked again, by hand: the same answer, from KServe's v1 protocol.
      const reply = await fetch(`${served.url}/v1/models/iris-train:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: served.prediction!.instances })
      });
      expect(await reply.json()).toEqual({ predictions: served.prediction!.expected });
      expect(existsSync(join(store.modelsDir(), 'iris-train', state.runId, 'model.joblib'))).toBe(true);
      expect(listServedModels(store.modelsDir())).toEqual([{ name: 'iris-train', url: served.url, version: state.runId, running: true }]);
    } finally {
      expect(stopModelServer(store.modelsDir(), 'iris-train')).toBe(true);
    }
    expect(listServedModels(store.modelsDir())).toEqual([]);
  }, 600_000);
});
