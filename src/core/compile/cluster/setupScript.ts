/**
 * The setup task of a cluster run (Argo Workflows, Kubeflow Pipelines): writes the run's runtime
 * file (compileStepScripts: the step runtime, the step entry and the code several steps share) to
 * the run's folder on the data volume, once, before any step starts; the 38 KB runtime is then
 * stored once per pipeline, in this task's source, not in every step's. The data folder comes from
 * CELLPIPE_DATA_DIR (Argo) or the first command-line argument (KFP), as in every step script.
 *
 * With step environments (cluster/environments.ts) it then installs each requirement set not yet
 * on the volume: pip with the requirements as argv data after `--` (never a shell, never a
 * requirements file a newline could add options to), into a temporary folder renamed atomically
 * to `<volume root>/_cellpipe/envs/<id>`; a set already there (an earlier run on the same claim,
 * or a concurrent run that won the rename) is reused. A failed install fails the task.
 */
import { pyLiteral, pyStr } from '../pythonLiteral';
import { RUNTIME_ENV, RUNTIME_FILE, RUNTIME_FOLDER } from '../runtime/contract';
import { shieldPythonLiterals } from './argoSafe';
import { ENVIRONMENTS_FOLDER, PIP_CACHE_FOLDER, type EnvironmentSet } from './environments';

export interface SetupEnvironments {
  sets: EnvironmentSet[];
  /** pip options and their values (the notebook's package index). */
  pipOptions: Array<[string, string]>;
  /** Extra pip arguments put before the requirements as they are (tests: `--no-index --find-links DIR`). */
  extraPipArguments?: string[];
}

const str = pyStr;

/** Python lines installing the environments; the data folder is `_data` (the volume root is its parent). */
function installLines(environments: SetupEnvironments): string[] {
  const path = (folder: string): string => folder.split('/').map(str).join(', ');
  return [
    'import shutil',
    'import subprocess',
    'import tempfile',
    '_ENVIRONMENTS = ' + pyLiteral(environments.sets.map(set => ({ id: set.id, requirements: set.requirements }))),
    '_PIP_OPTIONS = ' + pyLiteral(environments.pipOptions),
    '_EXTRA_PIP_ARGUMENTS = ' + pyLiteral(environments.extraPipArguments ?? []),
    '_root = os.path.dirname(os.path.abspath(_data))',
    '_envs = os.path.join(_root, ' + path(ENVIRONMENTS_FOLDER) + ')',
    'os.makedirs(_envs, exist_ok=True)',
    '_pip_env = dict(os.environ)',
    '_pip_env[' + str('PIP_CACHE_DIR') + '] = os.path.join(_root, ' + path(PIP_CACHE_FOLDER) + ')',
    '_pip_env[' + str('PIP_ROOT_USER_ACTION') + '] = ' + str('ignore'),
    '_options = []',
    'for _name, _value in _PIP_OPTIONS:',
    '    # The package index secret (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL) carries the credentials and wins;',
    '    # on the command line an option would replace the env var, so extra URLs join it instead.',
    '    if _name == ' + str('--index-url') + ' and _pip_env.get(' + str('PIP_INDEX_URL') + '):',
    '        continue',
    '    if _name == ' + str('--extra-index-url') + ' and _pip_env.get(' + str('PIP_EXTRA_INDEX_URL') + '):',
    '        _pip_env[' + str('PIP_EXTRA_INDEX_URL') + '] += ' + str(' ') + ' + _value',
    '        continue',
    '    _options += [_name, _value]',
    'for _environment in _ENVIRONMENTS:',
    '    _id = _environment[' + str('id') + ']',
    '    _requirements = _environment[' + str('requirements') + ']',
    '    _target = os.path.join(_envs, _id)',
    '    print(' + str('[cellpipe] environment') + ', _id, ' + str('requirements:') + ', _requirements, flush=True)',
    '    if os.path.isdir(_target):',
    '        print(' + str('[cellpipe] environment') + ', _id, ' + str('is on the volume already (an earlier run): reused') + ', flush=True)',
    '        continue',
    '    _partial = tempfile.mkdtemp(prefix=' + str('.partial-') + ' + _id + ' + str('-') + ', dir=_envs)',
    '    if _requirements:',
    '        _command = [sys.executable, ' +
      ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '--target'].map(str).join(', ') +
      ', _partial]',
    '        _command += _options + _EXTRA_PIP_ARGUMENTS + [' + str('--') + '] + _requirements',
    '        _status = subprocess.call(_command, env=_pip_env, stdin=subprocess.DEVNULL)',
    '        if _status != 0:',
    '            shutil.rmtree(_partial, ignore_errors=True)',
    '            print(' +
      str('[cellpipe] installing environment') +
      ', _id, ' +
      str('failed (pip exit status') +
      ', str(_status) + ' +
      str('), requirements:') +
      ', _requirements, file=sys.stderr, flush=True)',
    '            sys.exit(1)',
    '    try:',
    '        os.rename(_partial, _target)',
    '    except OSError:',
    '        if not os.path.isdir(_target):',
    '            raise',
    '        shutil.rmtree(_partial, ignore_errors=True)',
    '        print(' + str('[cellpipe] environment') + ', _id, ' + str('was installed by a concurrent run: reused') + ', flush=True)',
    '    else:',
    '        print(' + str('[cellpipe] environment') + ', _id, ' + str('installed in') + ', _target, flush=True)'
  ];
}

/**
 * Source of the setup task: writes `runtime` (the runtime file content) atomically to the data
 * volume, then installs `environments` when there are any (without, the source is as before).
 */
export function setupScript(runtime: string, environments?: SetupEnvironments): string {
  return shieldPythonLiterals(
    [
      '# -*- coding: utf-8 -*-',
      '# Generated by cellpipe: writes the step runtime, shared by every step of this run, to the data volume' +
        (environments?.sets.length ? ', and installs the step environments.' : '.'),
      'import os',
      'import sys',
      'if len(sys.argv) > 1:',
      '    os.environ[' + pyStr(RUNTIME_ENV.dataDir) + '] = sys.argv[1]',
      ...(environments?.sets.length ? ['_data = os.environ[' + pyStr(RUNTIME_ENV.dataDir) + ']'] : []),
      '_folder = os.path.join(os.environ[' + pyStr(RUNTIME_ENV.dataDir) + '], ' + pyStr(RUNTIME_FOLDER) + ')',
      '_runtime = os.path.join(_folder, ' + pyStr(RUNTIME_FILE) + ')',
      'os.makedirs(_folder, exist_ok=True)',
      '_partial = _runtime + ' + pyStr('.partial') + ' + str(os.getpid())',
      'with open(_partial, ' + pyStr('w') + ', encoding=' + pyStr('utf-8') + ') as _file:',
      '    _file.write(' + pyStr(runtime) + ')',
      'os.replace(_partial, _runtime)',
      'print(' + pyStr('[cellpipe] step runtime written to ') + ' + _runtime)',
      ...(environments?.sets.length ? installLines(environments) : []),
      ''
    ].join('\n')
  );
}
