import { compileArgo, ARGO_SETUP_TASK } from '../../src/core/compile/argo';
import { validateArgoWorkflow } from '../../src/core/compile/argo/validate';
import { corpusPipelines } from '../../src/core/compile/cluster/__fixtures__/pipelines';
import { fflateGunzip, fflateGzip, payloadPartOf } from '../../src/core/compile/cluster/stepPayload';
import { nodeCodec } from './nodeCodec';

const [, pipeline] = corpusPipelines().find(([name]) => name === 'parallel_branches')!;
const text = new TextEncoder().encode(JSON.stringify({ 'a.py': 'print("é")\n'.repeat(500) }));

describe("Node's zlib as the payload codec", () => {
  it('packs what fflate unpacks, and unpacks what fflate packs', () => {
    expect(fflateGunzip(nodeCodec.gzip(text))).toEqual(text);
    expect(new Uint8Array(nodeCodec.gunzip(fflateGzip(text)))).toEqual(text);
  });

  it('lets the Argo validator accept a Workflow it packed, and refuse a cut payload', () => {
    const { workflow } = compileArgo(pipeline, {}, nodeCodec.gzip);
    expect(validateArgoWorkflow(workflow!, nodeCodec.gunzip)).toEqual([]);
    const setup = workflow!.spec.templates.find(t => t.name === ARGO_SETUP_TASK)!.script!;
    const part = payloadPartOf(setup.source)!;
    setup.source = setup.source.replace(part, part.slice(0, -400));
    expect(validateArgoWorkflow(workflow!, nodeCodec.gunzip)).toEqual([
      expect.stringMatching(/the step payload cannot be unpacked: unexpected end of file/)
    ]);
  });
});
