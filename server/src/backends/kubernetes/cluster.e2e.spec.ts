/**
 * Opt-in: runs a corpus notebook on a real cluster with Argo Workflows when KUBECONFIG is set
 * (namespace: CELLPIPE_E2E_NAMESPACE, else the context's). The RBAC it needs is in README.md
 * beside this file. Skipped otherwise, so the suite never reaches out of the machine by default.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeNotebook } from '../../../../src/core/analysis';
import { compileArgoWorkflow } from '../../../../src/core/compile/argo';
import { parseNotebook } from '../../../../src/core/notebook';
import { buildPipeline } from '../../../../src/core/pipeline';
import type { RunEvent } from '../../../../src/core/run/types';
import { RunStore } from '../runStore';
import { KubernetesBackend } from './kubernetesBackend';

const cluster = process.env.KUBECONFIG ? describe : describe.skip;
if (!process.env.KUBECONFIG) {
  test.skip('cluster e2e: set KUBECONFIG (and CELLPIPE_E2E_NAMESPACE) to run it against a cluster with Argo Workflows', () => undefined);
}

cluster('kubernetes backend on a real cluster (KUBECONFIG)', () => {
  test('runs parallel_branches to success and reads every step log', async () => {
    const path = join(__dirname, '..', '..', '..', '..', 'src', 'core', '__fixtures__', 'notebooks', 'parallel_branches.ipynb');
    const { notebook } = parseNotebook(readFileSync(path, 'utf8'));
    const pipeline = buildPipeline(notebook!, analyzeNotebook(notebook!, { defaultStepName: 'main' }));
    const home = mkdtempSync(join(tmpdir(), 'cellpipe-e2e-'));
    try {
      const store = new RunStore(home);
      const events: RunEvent[] = [];
      const backend = new KubernetesBackend({ store, namespace: process.env.CELLPIPE_E2E_NAMESPACE, onEvent: e => events.push(e) });
      const handle = await backend.submit({
        workflow: compileArgoWorkflow(pipeline, { volume: { size: '1Gi', storageClass: null, accessMode: 'ReadWriteOnce' } }),
        pipelineName: pipeline.name,
        parameters: {},
        steps: pipeline.steps.map(s => ({ id: s.id, name: s.name, dependsOn: s.dependsOn }))
      });
      const state = await handle.done;
      expect(state.message ?? '').toBe('');
      expect(state.status).toBe('Succeeded');
      for (const step of state.steps) {
        expect(step.status).toBe('Succeeded');
        const file = readFileSync(store.logPath(state.runId, step.id), 'utf8');
        expect(file).not.toBe('');
        // Followed live or read at the end, what was shown is the saved log, once (these steps run too
        // briefly to promise a log event before their Succeeded event).
        expect(events.map(e => (e.type === 'log' && e.stepId === step.id && e.stream === 'stdout' ? e.text : '')).join('')).toBe(file);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 600_000);
});
