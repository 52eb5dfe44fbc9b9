/**
 * Process state (DESIGN.md, "Notebook semantics"): what a kernel carries from cell to cell besides
 * variables. Two kinds, carried two ways (processStateFlow.ts):
 *
 * - configuration (`sklearn.set_config`, `pd.set_option`, `os.environ[...] = `, `warnings` filters,
 *   ...): the statement that sets it is replayed, in notebook order, at the start of every later
 *   step it may affect;
 * - global random generators (`random`, numpy's global generator, torch): once the notebook seeds
 *   one, its state is saved after each step that may draw from it and restored before the next.
 *
 * Paths are written as the code reaches the state, from the module it is imported from: calls end
 * at the function's name, a call inside the path is `()` and a subscript `[]`
 * (`logging.getLogger().setLevel`, `os.environ[]`).
 */

/** A generator whose state the runtime can save and restore (cellpipe_runtime.py, _RANDOM_STATES). */
export type CarriedGenerator = 'random' | 'numpy' | 'torch';
/** Generators the notebook may seed; tensorflow's global seed cannot be carried to another process. */
export type RandomGenerator = CarriedGenerator | 'tensorflow';

export const CARRIED_GENERATORS: ReadonlySet<RandomGenerator> = new Set<RandomGenerator>(['random', 'numpy', 'torch']);

/**
 * Who a piece of state may affect: the top-level packages whose code reads it. A step is affected
 * when its code uses one of them, or loads a value from a step that is (a DataFrame printed with
 * `pd.set_option`'s settings names no pandas). `process` state (environment, working directory,
 * import path, warnings, logging) affects every step.
 */
export type StateFamily = 'process' | 'numpy' | 'pandas' | 'sklearn' | 'matplotlib' | 'plotly' | 'torch' | 'tensorflow' | 'random';

export const FAMILY_PACKAGES: Readonly<Record<Exclude<StateFamily, 'process'>, readonly string[]>> = {
  random: ['random'],
  numpy: [
    'numpy',
    'pandas',
    'scipy',
    'sklearn',
    'statsmodels',
    'seaborn',
    'matplotlib',
    'skimage',
    'imblearn',
    'xgboost',
    'lightgbm',
    'catboost',
    'networkx',
    'shap',
    'umap'
  ],
  pandas: ['pandas', 'seaborn', 'statsmodels', 'sklearn', 'plotly'],
  sklearn: ['sklearn', 'imblearn'],
  matplotlib: ['matplotlib', 'seaborn', 'pandas'],
  plotly: ['plotly'],
  torch: ['torch', 'torchvision', 'torchaudio', 'torchtext', 'transformers', 'lightning', 'pytorch_lightning', 'timm', 'accelerate'],
  tensorflow: ['tensorflow', 'keras', 'tf_keras', 'tensorflow_hub', 'tensorflow_datasets']
};

/**
 * Families whose state only code that names them reads: no library object draws from the `random`
 * module's global generator, so a value passed on from a step that used it does not carry the
 * family on (a DataFrame does carry numpy's: `df.sample()` draws from numpy's generator).
 */
export const DIRECT_FAMILIES: ReadonlySet<StateFamily> = new Set<StateFamily>(['random']);

/** The family of each generator: who may draw from it. */
export const GENERATOR_FAMILY: Readonly<Record<RandomGenerator, StateFamily>> = {
  random: 'random',
  numpy: 'numpy',
  torch: 'torch',
  tensorflow: 'tensorflow'
};

/** How a notebook says "draw reproducibly without the global generator", by generator. */
export const GENERATOR_ADVICE: Readonly<Record<RandomGenerator, string>> = {
  random: 'draw from a `random.Random(0)` variable',
  numpy:
    'pass `random_state=` to the functions that draw (scikit-learn estimators, `train_test_split`, `df.sample`), or draw from a `rng = np.random.default_rng(0)` variable',
  torch: 'pass a `torch.Generator().manual_seed(0)` variable as `generator=`',
  tensorflow: 'draw from a `tf.random.Generator.from_seed(0)` variable'
};

/** Calls that set configuration, by path, with the family they affect. */
const CONFIGURATION_CALLS: ReadonlyMap<string, StateFamily> = new Map<string, StateFamily>([
  ...paths('process', [
    'os.chdir',
    'os.putenv',
    'os.unsetenv',
    'os.umask',
    'os.environ.update',
    'os.environ.setdefault',
    'os.environ.pop',
    'os.environ.clear',
    'sys.path.append',
    'sys.path.insert',
    'sys.path.extend',
    'sys.path.remove',
    'sys.setrecursionlimit',
    'warnings.filterwarnings',
    'warnings.simplefilter',
    'warnings.resetwarnings',
    'logging.basicConfig',
    'logging.disable',
    'logging.captureWarnings',
    'logging.getLogger().setLevel',
    'logging.getLogger().addHandler',
    'logging.getLogger().removeHandler',
    'logging.root.setLevel',
    'locale.setlocale'
  ]),
  ...paths('numpy', ['numpy.set_printoptions', 'numpy.seterr']),
  ...paths('pandas', ['pandas.set_option', 'pandas.reset_option', 'pandas.set_eng_float_format']),
  ...paths('sklearn', ['sklearn.set_config']),
  ...paths('matplotlib', [
    'matplotlib.use',
    'matplotlib.rc',
    'matplotlib.rcdefaults',
    'matplotlib.rcParams.update',
    'matplotlib.style.use',
    'matplotlib.pyplot.rc',
    'matplotlib.pyplot.rcdefaults',
    'matplotlib.pyplot.rcParams.update',
    'matplotlib.pyplot.style.use',
    'matplotlib.pyplot.switch_backend',
    'seaborn.set',
    'seaborn.set_theme',
    'seaborn.set_style',
    'seaborn.set_context',
    'seaborn.set_palette'
  ]),
  ...paths('torch', [
    'torch.set_default_dtype',
    'torch.set_default_device',
    'torch.set_default_tensor_type',
    'torch.set_num_threads',
    'torch.set_num_interop_threads',
    'torch.use_deterministic_algorithms',
    'torch.set_printoptions',
    'torch.set_float32_matmul_precision',
    'torch.set_grad_enabled',
    'torch.autograd.set_detect_anomaly'
  ]),
  ...paths('tensorflow', [
    'tensorflow.config.run_functions_eagerly',
    'tensorflow.config.experimental.enable_op_determinism',
    'tensorflow.keras.backend.set_floatx',
    'tensorflow.get_logger().setLevel',
    'keras.backend.set_floatx',
    'keras.config.set_floatx'
  ])
]);

/** Assignment and `del` targets that are configuration, by path prefix, with the family they affect. */
const CONFIGURATION_TARGETS: ReadonlyMap<string, StateFamily> = new Map<string, StateFamily>([
  ...paths('process', ['os.environ[]', 'sys.path[]', 'decimal.getcontext().', 'logging.root.']),
  ...paths('pandas', ['pandas.options.']),
  ...paths('matplotlib', ['matplotlib.rcParams[]', 'matplotlib.pyplot.rcParams[]']),
  ...paths('plotly', ['plotly.io.renderers.default', 'plotly.io.templates.default']),
  ...paths('torch', ['torch.backends.'])
]);

/** Calls that seed global generators, by path, with the generators they seed. */
const RANDOM_SEEDERS: ReadonlyMap<string, readonly RandomGenerator[]> = new Map<string, readonly RandomGenerator[]>([
  ['random.seed', ['random']],
  ['random.setstate', ['random']],
  ['numpy.random.seed', ['numpy']],
  ['numpy.random.set_state', ['numpy']],
  ['torch.manual_seed', ['torch']],
  ['torch.random.manual_seed', ['torch']],
  ['torch.set_rng_state', ['torch']],
  ['torch.cuda.manual_seed', ['torch']],
  ['torch.cuda.manual_seed_all', ['torch']],
  ['lightning.seed_everything', ['random', 'numpy', 'torch']],
  ['pytorch_lightning.seed_everything', ['random', 'numpy', 'torch']],
  ['lightning.pytorch.seed_everything', ['random', 'numpy', 'torch']],
  ['transformers.set_seed', ['random', 'numpy', 'torch', 'tensorflow']],
  ['tensorflow.random.set_seed', ['tensorflow']],
  ['tensorflow.set_random_seed', ['tensorflow']],
  ['tensorflow.compat.v1.set_random_seed', ['tensorflow']],
  ['tensorflow.keras.utils.set_random_seed', ['random', 'numpy', 'tensorflow']],
  ['keras.utils.set_random_seed', ['random', 'numpy', 'tensorflow']]
]);

function paths(family: StateFamily, list: string[]): [string, StateFamily][] {
  return list.map(path => [path, family]);
}

/** The last part of a path (`setLevel`, `environ[]`). */
function lastPart(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

/** Names a call's path must end with to be worth resolving (the walk records only those). */
export const STATE_CALL_NAMES: ReadonlySet<string> = new Set([...CONFIGURATION_CALLS.keys(), ...RANDOM_SEEDERS.keys()].map(lastPart));

/**
 * Parts an assignment target's path must contain to be worth resolving: `environ` in
 * `os.environ["X"] = ...`, `rcParams` in `plt.rcParams[...] = ...`.
 */
export const STATE_TARGET_PARTS: ReadonlySet<string> = new Set(
  [...CONFIGURATION_TARGETS.keys()].flatMap(path =>
    path
      .split('.')
      .slice(1)
      .map(part => part.replace(/(\(\)|\[\])$/, ''))
      .filter(part => part !== '')
  )
);

/** What a resolved path does to the process, if anything. */
export type StateEffect = { kind: 'configuration'; family: StateFamily } | { kind: 'seed'; generators: readonly RandomGenerator[] } | null;

/** The effect of calling `path` (kind 'call') or assigning to / deleting it (kind 'assign'). */
export function stateEffect(path: string, kind: 'call' | 'assign'): StateEffect {
  if (kind === 'call') {
    const generators = RANDOM_SEEDERS.get(path);
    if (generators) {
      return { kind: 'seed', generators };
    }
    const family = CONFIGURATION_CALLS.get(path);
    return family ? { kind: 'configuration', family } : null;
  }
  for (const [prefix, family] of CONFIGURATION_TARGETS) {
    if (path === prefix || path.startsWith(prefix) || (prefix.endsWith('.') && path === prefix.slice(0, -1))) {
      return { kind: 'configuration', family };
    }
  }
  return null;
}

/** The top-level package of a dotted module path (`sklearn.model_selection` -> `sklearn`). */
export function topPackage(module: string): string {
  const dot = module.indexOf('.');
  return dot < 0 ? module : module.slice(0, dot);
}

/** The families a package belongs to. */
export function familiesOf(pkg: string): StateFamily[] {
  return (Object.keys(FAMILY_PACKAGES) as Exclude<StateFamily, 'process'>[]).filter(family => FAMILY_PACKAGES[family].includes(pkg));
}
