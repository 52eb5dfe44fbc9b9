/**
 * The setup task of a cluster run (Argo Workflows, Kubeflow Pipelines): writes the files the run's
 * steps execute (compileStepScripts: the runtime file, with the step runtime, the step entry and
 * the code several steps share, and each step's script) to the run's folder on the data volume,
 * once, before any step starts. They come packed as the step payload (cluster/stepPayload.ts),
 * stored once per pipeline in this task's source (and in part tasks', when it is long), not in the
 * steps'. The data folder comes from CELLPIPE_DATA_DIR (Argo) or the first command-line argument
 * (KFP), as in every step script.
 *
 * With step environments (cluster/environments.ts) it then installs each requirement set not yet
 * on the volume: pip with the requirements as argv data after `--` (never a shell, never a
 * requirements file a newline could add options to), into a temporary folder renamed atomically
 * to `<volume root>/_cellpipe/envs/<id>`; a set already there (an earlier run on the same claim,
 * or a concurrent run that won the rename) is reused. A failed install fails the task.
 */
import { pyLiteral, pyStr } from '../pythonLiteral';
import { RUNTIME_ENV, RUNTIME_FOLDER } from '../runtime/contract';
import { shieldPythonLiterals } from './argoSafe';
import { ENVIRONMENTS_FOLDER, PIP_CACHE_FOLDER, type EnvironmentSet } from './environments';
import { PARTS_VARIABLE, PAYLOAD_PARTS_FOLDER, PAYLOAD_VARIABLE, payloadLine, payloadPartPath } from './stepPayload';

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

/** Lines of a source that set CELLPIPE_DATA_DIR from the first argument when there is one (KFP), as step scripts do. */
const DATA_DIR_FROM_ARGUMENT = ['if len(sys.argv) > 1:', '    os.environ[' + pyStr(RUNTIME_ENV.dataDir) + '] = sys.argv[1]'];

/** A '/'-separated path relative to the data folder, as Python arguments of os.path.join after `_data`. */
const pathArguments = (path: string): string => path.split('/').map(str).join(', ');

/** The payload a setup task unpacks: its own part (the first) and how many parts there are in all. */
export interface SetupPayload {
  firstPart: string;
  parts: number;
}

/**
 * Source of the setup task: unpacks the step payload (cluster/stepPayload.ts: its own part, then
 * those the part tasks wrote) and writes each file atomically to the data folder, then installs
 * `environments` when there are any.
 */
export function setupScript(payload: SetupPayload, environments?: SetupEnvironments): string {
  return shieldPythonLiterals(
    [
      '# -*- coding: utf-8 -*-',
      '# Generated by cellpipe: writes the files the steps of this run execute (the step runtime and the',
      '# script of each step) to the data volume' + (environments?.sets.length ? ', and installs the step environments.' : '.'),
      '# They are packed below as base64 of the gzip of a JSON object {path: content}; to read them, compile',
      '# the notebook with: cellpipe compile NOTEBOOK --target scripts -o FOLDER',
      'import base64',
      'import gzip',
      'import json',
      'import os',
      'import sys',
      ...DATA_DIR_FROM_ARGUMENT,
      '_data = os.environ[' + pyStr(RUNTIME_ENV.dataDir) + ']',
      `${PARTS_VARIABLE} = ${payload.parts}`,
      payloadLine(payload.firstPart),
      `_parts = [${PAYLOAD_VARIABLE}]`,
      `for _index in range(2, ${PARTS_VARIABLE} + 1):`,
      '    with open(os.path.join(_data, ' +
        pathArguments(PAYLOAD_PARTS_FOLDER) +
        ', ' +
        str('part-%d') +
        ' % _index), encoding=' +
        str('ascii') +
        ') as _file:',
      '        _parts.append(_file.read())',
      '_files = json.loads(gzip.decompress(base64.b64decode(' + str('') + '.join(_parts))).decode(' + str('utf-8') + '))',
      'for _name, _content in _files.items():',
      '    _target = os.path.join(_data, *_name.split(' + str('/') + '))',
      '    os.makedirs(os.path.dirname(_target), exist_ok=True)',
      '    _partial = _target + ' + str('.partial') + ' + str(os.getpid())',
      '    with open(_partial, ' + str('w') + ', encoding=' + str('utf-8') + ') as _file:',
      '        _file.write(_content)',
      '    os.replace(_partial, _target)',
      'print(' +
        str('[cellpipe] step runtime and scripts written to') +
        ', os.path.join(_data, ' +
        str(RUNTIME_FOLDER) +
        '), len(_files), ' +
        str('files') +
        ')',
      ...(environments?.sets.length ? installLines(environments) : []),
      ''
    ].join('\n')
  );
}

/** Source of the task that writes part `index` (2, 3...) of the payload for the setup task. */
export function payloadPartScript(index: number, part: string): string {
  const target = payloadPartPath(index);
  return shieldPythonLiterals(
    [
      '# -*- coding: utf-8 -*-',
      `# Generated by cellpipe: part ${index} of the files the steps of this run execute, for the setup task.`,
      'import os',
      'import sys',
      ...DATA_DIR_FROM_ARGUMENT,
      '_target = os.path.join(os.environ[' + pyStr(RUNTIME_ENV.dataDir) + '], ' + pathArguments(target) + ')',
      'os.makedirs(os.path.dirname(_target), exist_ok=True)',
      payloadLine(part),
      '_partial = _target + ' + str('.partial') + ' + str(os.getpid())',
      'with open(_partial, ' + str('w') + ', encoding=' + str('ascii') + ') as _file:',
      `    _file.write(${PAYLOAD_VARIABLE})`,
      'os.replace(_partial, _target)',
      ''
    ].join('\n')
  );
}
