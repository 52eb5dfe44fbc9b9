/**
 * The step payload packed by TypeScript and unpacked by the setup task's Python, for real: in one
 * part and cut into several (each written by its part task's source first, as the Workflow orders
 * them), with text of every kind (non-ASCII, lone-surrogate escapes, template syntax) kept exact.
 */
import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { withTempDir } from './__fixtures__/pipelines';
import { payloadPartScript, setupScript } from './setupScript';
import { decodePayload, encodePayload, payloadParts } from './stepPayload';

const FILES = {
  '_cellpipe/cellpipe_runtime.py': 'RUNTIME = "é ✓ 𝄞"\n'.repeat(500),
  '_cellpipe/steps/load.py': "print('{{workflow.name}} $(HOME) \\udc80')\n",
  '_cellpipe/steps/train.py': Array.from({ length: 4000 }, (_, i) => `value_${i} = ${i * 7919}`).join('\n')
};

function runPython(source: string, data: string): { status: number | null; stderr: string } {
  const run = spawnSync('python3', ['-c', source, data], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { status: run.status, stderr: run.stderr };
}

describe('the step payload', () => {
  it('decodes to the same files in TypeScript', () => {
    expect(decodePayload(encodePayload(FILES))).toEqual(FILES);
    expect(decodePayload('not base64 gzip')).toEqual({ problem: expect.any(String) });
    expect(decodePayload(encodePayload({ x: 1 } as unknown as Record<string, string>))).toEqual({ problem: 'it is not an object of file contents' });
  });

  it.each([
    ['one part', 1_000_000],
    ['several parts', 4096]
  ])('is written by the setup task in %s, each file as it was', (_what, partChars) => {
    const [first, ...later] = payloadParts(encodePayload(FILES), partChars);
    expect(later.length > 0).toBe(partChars < 1_000_000);
    withTempDir(dir => {
      const data = join(dir, 'run');
      later.forEach((part, i) => expect(runPython(payloadPartScript(i + 2, part), data)).toEqual({ status: 0, stderr: '' }));
      expect(runPython(setupScript({ firstPart: first, parts: 1 + later.length }), data)).toEqual({ status: 0, stderr: '' });
      for (const [path, content] of Object.entries(FILES)) {
        expect(readFileSync(join(data, path), 'utf8')).toBe(content);
      }
    });
  });

  it('fails the setup task when a part is missing', () => {
    const [first, ...later] = payloadParts(encodePayload(FILES), 4096);
    withTempDir(dir => {
      const run = runPython(setupScript({ firstPart: first, parts: 1 + later.length }), join(dir, 'run'));
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/FileNotFoundError: .*part-2/);
    });
  });
});
