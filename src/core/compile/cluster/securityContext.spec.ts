import { parse, parseAllDocuments } from 'yaml';
import { notebookJson, step } from '../../__fixtures__/notebookBuilder';
import { argoYaml, ARGO_ENTRYPOINT, ARGO_SETUP_TASK, compileArgo, type ArgoWorkflow } from '../argo';
import { validateArgoWorkflow } from '../argo/validate';
import { compileKfp, kfpYaml, KFP_CREATE_PVC_TASK, KFP_DELETE_PVC_TASK, KFP_SETUP_TASK } from '../kfp';
import { pipelineOf } from './__fixtures__/pipelines';

/** A two-step notebook whose Kale metadata has `security_context` (left out when undefined). */
const withSecurityContext = (securityContext?: unknown) =>
  pipelineOf(
    notebookJson([step('load', 'x = 1'), step('train', 'y = x')], {
      kubeflow_notebook: { pipeline_name: 'p', ...(securityContext === undefined ? {} : { security_context: securityContext }) }
    })
  );

/** Every pod template of the Workflow (the steps and the setup task), read back from its YAML. */
function argoPods(securityContext?: unknown) {
  const { workflow, diagnostics } = compileArgo(withSecurityContext(securityContext));
  const parsed = parse(argoYaml(workflow)) as ArgoWorkflow;
  expect(validateArgoWorkflow(parsed)).toEqual([]);
  return { pods: parsed.spec.templates.filter(t => t.name !== ARGO_ENTRYPOINT), diagnostics };
}

/** The platform config and container env of each KFP executor that runs code (not the claim's), read back from the YAML. */
function kfpExecutors(securityContext?: unknown) {
  const result = compileKfp(withSecurityContext(securityContext));
  const [spec, platform] = parseAllDocuments(kfpYaml(result)).map(d => d.toJS());
  const claimTasks = [KFP_CREATE_PVC_TASK, KFP_DELETE_PVC_TASK].map(t => `exec-${t}`);
  const names = Object.keys(spec.deploymentSpec.executors).filter(name => !claimTasks.includes(name));
  return {
    executors: names.map(name => ({
      name,
      platform: platform.platforms.kubernetes.deploymentSpec.executors[name] as Record<string, unknown>,
      env: (spec.deploymentSpec.executors[name].container.env ?? []) as Array<{ name: string; value: string }>
    })),
    diagnostics: result.diagnostics
  };
}

describe("Kale's security_context in the notebook metadata", () => {
  test('absent, nothing changes: no pod gets a securityContext or HOME, and nothing is reported', () => {
    expect(withSecurityContext().settings.securityContext).toBeNull();
    const argo = argoPods();
    for (const pod of argo.pods) {
      expect(pod.securityContext).toBeUndefined();
      expect(pod.script!.env!.map(e => e.name)).not.toContain('HOME');
    }
    const kfp = kfpExecutors();
    for (const executor of kfp.executors) {
      expect(executor.platform.securityContext).toBeUndefined();
      expect(executor.env.map(e => e.name)).not.toContain('HOME');
    }
    expect([...argo.diagnostics, ...kfp.diagnostics].map(d => d.code)).not.toContainEqual(expect.stringMatching(/^security-context/));
  });

  test("present, its missing keys are Kale's defaults: user 65534, group 0, non-root", () => {
    expect(withSecurityContext({}).settings.securityContext).toEqual({ runAsUser: 65534, runAsGroup: 0, runAsNonRoot: true });
    expect(withSecurityContext({ enabled: true, run_as_user: 1000 }).settings.securityContext).toEqual({
      runAsUser: 1000,
      runAsGroup: 0,
      runAsNonRoot: true
    });
    expect(withSecurityContext({ enabled: false, run_as_user: 1000 }).settings.securityContext).toBeNull();
  });

  test('on Argo, every step and the setup task get it as the pod securityContext, with HOME=/tmp as Kale sets', () => {
    const { pods, diagnostics } = argoPods({ enabled: true, run_as_user: 1000, run_as_group: 100, run_as_non_root: true });
    expect(pods.map(p => p.name).sort()).toEqual([ARGO_SETUP_TASK, 'load', 'train'].sort());
    for (const pod of pods) {
      expect(pod.securityContext).toEqual({ runAsUser: 1000, runAsGroup: 100, runAsNonRoot: true });
      expect(pod.script!.env).toContainEqual({ name: 'HOME', value: '/tmp' });
    }
    const warning = diagnostics.find(d => d.code === 'security-context-volumes')!;
    expect(warning.severity).toBe('warning');
    expect(warning.message).toMatch(/user 1000, group 100.*writable by that user or group.*enabled: false/);
  });

  test('on KFP, every step and the setup task get kfp-kubernetes securityContext (int64 ids as strings, as the SDK writes them)', () => {
    const { executors, diagnostics } = kfpExecutors({ run_as_user: 1000 });
    expect(executors.map(e => e.name).sort()).toEqual([`exec-${KFP_SETUP_TASK}`, 'exec-load', 'exec-train'].sort());
    for (const executor of executors) {
      expect(executor.platform.securityContext).toEqual({ runAsUser: '1000', runAsGroup: '0', runAsNonRoot: true });
      expect(executor.env).toContainEqual({ name: 'HOME', value: '/tmp' });
    }
    expect(diagnostics.filter(d => d.code.startsWith('security-context')).map(d => `${d.severity} ${d.code}`)).toEqual([
      'warning security-context-volumes',
      'info security-context-kfp-version'
    ]);
  });

  test.each([
    ['run_as_user', '1000', 'a whole number, 0 or more', "Kale's default 65534 is used"],
    ['run_as_user', -1, 'a whole number, 0 or more', "Kale's default 65534 is used"],
    ['run_as_group', 1.5, 'a whole number, 0 or more', "Kale's default 0 is used"],
    ['run_as_non_root', 'yes', 'true or false', "Kale's default true is used"],
    ['enabled', 1, 'true or false', "Kale's default true is used"]
  ])('%s: %j is a metadata warning naming the key, what to write and what is used instead', (key, value, expected, instead) => {
    const { diagnostics, settings } = withSecurityContext({ [key]: value });
    expect(settings.securityContext).toEqual({ runAsUser: 65534, runAsGroup: 0, runAsNonRoot: true });
    expect(diagnostics.filter(d => d.code === 'invalid-metadata').map(d => d.message)).toEqual([
      `Notebook metadata metadata.kubeflow_notebook.security_context.${key} should be ${expected}; ${instead}. Fix it in the cellpipe sidebar or the notebook metadata editor.`
    ]);
  });

  test('a misspelt key is a warning listing the known ones; a security_context that is not an object is one too', () => {
    const misspelt = withSecurityContext({ run_as_users: 1000 }).diagnostics.filter(d => d.code === 'invalid-metadata');
    expect(misspelt.map(d => d.message)).toEqual([
      'Notebook metadata metadata.kubeflow_notebook.security_context.run_as_users is not a known key; it is ignored. Use one of enabled, run_as_user, run_as_group, run_as_non_root.'
    ]);
    const notObject = withSecurityContext('on');
    expect(notObject.settings.securityContext).toBeNull();
    expect(notObject.diagnostics.map(d => d.code)).toContain('invalid-metadata');
  });

  test('root with run_as_non_root is an error on both targets saying what to change', () => {
    const pipeline = withSecurityContext({ run_as_user: 0 });
    for (const diagnostics of [compileArgo(pipeline).diagnostics, compileKfp(pipeline).diagnostics]) {
      expect(diagnostics.filter(d => d.severity === 'error').map(d => d.message)).toEqual([
        expect.stringMatching(
          /run_as_user 0 \(root\) and run_as_non_root true.*Set run_as_user to a user id other than 0.*or run_as_non_root to false/
        )
      ]);
    }
  });

  test("the Argo schema accepts only a securityContext's three fields, with ids of 0 or more", () => {
    const { workflow } = compileArgo(withSecurityContext({}));
    const load = () => workflow.spec.templates.find(t => t.name === 'load')!;
    expect(validateArgoWorkflow(workflow)).toEqual([]);
    Object.assign(load().securityContext!, { privileged: true });
    expect(validateArgoWorkflow(workflow)).toContainEqual(expect.stringContaining('(privileged)'));
    load().securityContext = { runAsUser: -1, runAsGroup: 0, runAsNonRoot: true };
    expect(validateArgoWorkflow(workflow)).toContainEqual(expect.stringContaining('runAsUser must be >= 0'));
  });
});
