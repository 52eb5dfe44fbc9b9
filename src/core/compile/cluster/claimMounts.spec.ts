import { parse, parseAllDocuments } from 'yaml';
import { notebookJson, step } from '../../__fixtures__/notebookBuilder';
import { argoYaml, ARGO_SETUP_TASK, compileArgo, type ArgoWorkflow } from '../argo';
import { validateArgoWorkflow } from '../argo/validate';
import { compileKfp, kfpYaml, KFP_SETUP_TASK } from '../kfp';
import { pipelineOf } from './__fixtures__/pipelines';
import { kaleVolumeEnvName } from './claimMounts';

/** A two-step notebook with Kale's `volumes`. */
const withVolumes = (volumes: object[]) =>
  pipelineOf(notebookJson([step('load', 'x = 1'), step('train', 'y = x')], { kubeflow_notebook: { volumes } }));

type Env = Array<{ name: string; value?: string }>;

/** Each container's env on both targets, read back from the YAML: Argo templates, then KFP executors. */
function containerEnvs(volumes: object[]): { argo: Record<string, Env>; kfp: Record<string, Env> } {
  const pipeline = withVolumes(volumes);
  const argo = compileArgo(pipeline);
  expect(argo.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
  const workflow = parse(argoYaml(argo.workflow)) as ArgoWorkflow;
  expect(validateArgoWorkflow(workflow)).toEqual([]);
  const kfp = compileKfp(pipeline);
  expect(kfp.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
  const [spec] = parseAllDocuments(kfpYaml(kfp)).map(d => d.toJS());
  const executors = spec.deploymentSpec.executors as Record<string, { container: { env?: Env } }>;
  return {
    argo: Object.fromEntries(workflow.spec.templates.filter(t => t.script).map(t => [t.name, t.script!.env ?? []])),
    kfp: Object.fromEntries(Object.entries(executors).map(([name, e]) => [name.replace(/^exec-/, ''), e.container.env ?? []]))
  };
}

describe("Kale's expose_as_env_var", () => {
  test.each([
    ['raw-data', 'KALE_VOLUME_RAW_DATA'],
    ['my.pvc', 'KALE_VOLUME_MY_PVC'],
    ['data123', 'KALE_VOLUME_DATA123'],
    ['UPPER', 'KALE_VOLUME_UPPER'],
    ['a-b_c.d/e', 'KALE_VOLUME_A_B_C_D_E'],
    ["x'$(rm -rf /)\n{{y}}", 'KALE_VOLUME_X___RM__RF______Y__'],
    ['straße', 'KALE_VOLUME_STRASSE']
  ])('the claim %j is exposed as %s, as Kale names it (its re.sub and str.upper give the same)', (claim, env) => {
    expect(kaleVolumeEnvName(claim)).toBe(env);
    expect(env).toMatch(/^[A-Z_][A-Z0-9_]*$/);
  });

  test('every step container declares the mount path, on Argo and KFP; the setup task and unexposed volumes do not', () => {
    const { argo, kfp } = containerEnvs([
      { name: 'raw-data', type: 'pvc', mount_point: '/data', expose_as_env_var: true },
      { name: 'models', type: 'pvc', mount_point: '/models', expose_as_env_var: false }
    ]);
    for (const envs of [argo, kfp]) {
      for (const stepId of ['load', 'train']) {
        expect(envs[stepId]).toContainEqual({ name: 'KALE_VOLUME_RAW_DATA', value: '/data' });
        expect(envs[stepId].map(e => e.name)).not.toContain('KALE_VOLUME_MODELS');
      }
    }
    expect(argo[ARGO_SETUP_TASK].map(e => e.name)).not.toContain('KALE_VOLUME_RAW_DATA');
    expect(kfp[KFP_SETUP_TASK].map(e => e.name)).not.toContain('KALE_VOLUME_RAW_DATA');
  });

  test('a mount path with quotes, a newline and shell syntax reaches the variable as written, as data', () => {
    const path = `/data/it's "q" $(touch /x) \`id\` \n- key: [a, b] # c`;
    const { argo, kfp } = containerEnvs([{ name: 'raw-data', type: 'pvc', mount_point: path, expose_as_env_var: true }]);
    expect(argo.load).toContainEqual({ name: 'KALE_VOLUME_RAW_DATA', value: path });
    expect(kfp.load).toContainEqual({ name: 'KALE_VOLUME_RAW_DATA', value: path });
  });

  test('two volumes whose names give one variable are an error naming both and what to change, as in Kale', () => {
    const { diagnostics } = compileArgo(
      withVolumes([
        { name: 'my-data', type: 'pvc', mount_point: '/a', expose_as_env_var: true },
        { name: 'my.data', type: 'pvc', mount_point: '/b', expose_as_env_var: true }
      ])
    );
    expect(diagnostics.filter(d => d.severity === 'error').map(d => d.message)).toEqual([
      'volumes "my-data" and "my.data" would both set KALE_VOLUME_MY_DATA: rename one of the claims, or turn off expose_as_env_var on one of them'
    ]);
  });

  test('a value other than true or false is a metadata warning naming the volume, and the path is not exposed', () => {
    const pipeline = withVolumes([{ name: 'raw-data', type: 'pvc', mount_point: '/data', expose_as_env_var: 'yes' }]);
    expect(pipeline.settings.mounts).toMatchObject([{ name: 'raw-data', exposeAsEnvVar: false }]);
    expect(pipeline.diagnostics.filter(d => d.code === 'invalid-metadata').map(d => d.message)).toEqual([
      expect.stringContaining('metadata.kubeflow_notebook.volumes[0].expose_as_env_var should be true or false')
    ]);
    const { argo } = containerEnvs([{ name: 'raw-data', type: 'pvc', mount_point: '/data', expose_as_env_var: 'yes' }]);
    expect(argo.load.map(e => e.name)).not.toContain('KALE_VOLUME_RAW_DATA');
  });
});
