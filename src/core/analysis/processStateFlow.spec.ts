import { notebookJson, step, type CellSpec } from '../__fixtures__/notebookBuilder';
import { analyzeNotebook } from './analyzer';
import type { AnalysisResult, StepAnalysis } from './types';

const analyze = (cells: CellSpec[]): AnalysisResult => analyzeNotebook(notebookJson(cells));
const stepOf = (result: AnalysisResult, name: string): StepAnalysis => result.steps.find(s => s.name === name)!;
const codes = (result: AnalysisResult): string[] => result.diagnostics.map(d => `${d.severity} ${d.code} @${d.cell}:${d.line}`);
/** The code each step replays, as written. */
const replayed = (cells: CellSpec[], result: AnalysisResult, name: string): string[] =>
  stepOf(result, name).replayed.map(ref => {
    const statement = result.facts[ref.cell]!.stateSites[ref.index].statement!;
    const cell = cells[ref.cell];
    return (typeof cell === 'string' ? cell : 'code' in cell ? cell.code : '').slice(statement.from, statement.to);
  });

describe('configuration is replayed in the later steps it may affect', () => {
  test.each([
    ['import sklearn', 'sklearn.set_config(transform_output="pandas")', 'from sklearn.preprocessing import StandardScaler\ns = StandardScaler()'],
    ['import pandas as pd', 'pd.set_option("display.max_rows", 5)', 'import pandas as pd\nprint(pd.DataFrame())'],
    ['import pandas as pd', 'pd.options.display.max_columns = None', 'import pandas as pd\nprint(pd.DataFrame())'],
    ['import numpy as np', 'np.set_printoptions(precision=2)', 'import numpy as np\nprint(np.ones(2) / 3)'],
    ['import matplotlib.pyplot as plt', 'plt.rcParams["figure.figsize"] = (8, 6)', 'import matplotlib.pyplot as plt\nplt.plot([1])'],
    ['import matplotlib.pyplot as plt', 'plt.style.use("ggplot")', 'import matplotlib.pyplot as plt\nplt.plot([1])'],
    ['import torch', 'torch.set_default_dtype(torch.float64)', 'import torch\nx = torch.ones(1)'],
    ['import torch', 'torch.backends.cudnn.deterministic = True', 'import torch\nx = torch.ones(1)'],
    ['import warnings', 'warnings.filterwarnings("ignore")', 'x = 1'],
    ['import os', 'os.environ["MODE"] = "test"', 'x = 1'],
    ['from os import environ', 'environ["MODE"] = "test"', 'x = 1'],
    ['import os', 'del os.environ["MODE"]', 'x = 1'],
    ['import os', 'os.chdir("data")', 'x = 1'],
    ['import sys', 'sys.path.append("lib")', 'x = 1'],
    ['import logging', 'logging.getLogger("app").setLevel(logging.DEBUG)', 'x = 1'],
    ['import logging', 'logging.basicConfig(level=logging.INFO)', 'x = 1'],
    ['import decimal', 'decimal.getcontext().prec = 5', 'x = 1']
  ])('%s; %s', (imports, setting, later) => {
    const cells = [step('a', `${imports}\n${setting}`), step('b', later)];
    const result = analyze(cells);
    expect(replayed(cells, result, 'b')).toEqual([setting]);
    expect(stepOf(result, 'b').declarations).toContain(imports.split(' ').pop()!.replace(/^.*\./, ''));
    expect(codes(result)).toEqual(['info state-replayed @0:2']);
  });

  test('only in steps after it, in notebook order, and each setting in the order it was made', () => {
    const cells = [
      step('a', 'import pandas as pd\nx = 1'),
      step('b', 'pd.set_option("display.width", 50)\npd.set_option("display.width", 60)'),
      step('c', 'print(pd.DataFrame())')
    ];
    const result = analyze(cells);
    expect(replayed(cells, result, 'a')).toEqual([]);
    expect(replayed(cells, result, 'c')).toEqual(['pd.set_option("display.width", 50)', 'pd.set_option("display.width", 60)']);
  });

  test('a library setting is not replayed where the library is not used, a process setting everywhere', () => {
    const cells = [
      step('a', 'import sklearn, os\nsklearn.set_config(display="text")\nos.environ["A"] = "1"'),
      step('b', 'print(sum([1, 2]))'),
      step('c', 'from sklearn.linear_model import Ridge\nm = Ridge()')
    ];
    const result = analyze(cells);
    expect(replayed(cells, result, 'b')).toEqual(['os.environ["A"] = "1"']);
    expect(replayed(cells, result, 'c')).toEqual(['sklearn.set_config(display="text")', 'os.environ["A"] = "1"']);
  });

  test('a step that loads a value made with the library is affected: a DataFrame prints with pandas options', () => {
    const cells = [
      step('a', 'import pandas as pd\ndf = pd.DataFrame({"x": [1]})'),
      step('b', 'pd.set_option("display.max_rows", 5)'),
      step('c', 'print(df)')
    ];
    expect(replayed(cells, analyze(cells), 'c')).toEqual(['pd.set_option("display.max_rows", 5)']);
  });

  test('a method of a value, or a name that is not a module, is not configuration', () => {
    const cells = [
      step('a', 'options = {}\noptions.update({"a": 1})\nstyle = object()\nstyle.use("x")\nd = {}\nd["environ"] = 1'),
      step('b', 'print(options)')
    ];
    const result = analyze(cells);
    expect(stepOf(result, 'b').replayed).toEqual([]);
    expect(codes(result)).toEqual([]);
  });

  test('inside a `with` block a setting is scoped: neither replayed nor reported', () => {
    const cells = [
      step('a', 'import warnings\nwith warnings.catch_warnings():\n    warnings.simplefilter("ignore")\n    x = 1'),
      step('b', 'print(x)')
    ];
    const result = analyze(cells);
    expect(stepOf(result, 'b').replayed).toEqual([]);
    expect(codes(result)).toEqual([]);
  });

  test('a setting inside other code cannot be replayed: a warning says how to fix it', () => {
    const result = analyze([
      step('a', 'import os, pandas as pd\nif True:\n    os.environ["A"] = "1"\nfor k in ["a"]:\n    pd.set_option(k, 1)'),
      step('b', 'print(1)')
    ]);
    expect(codes(result)).toEqual(['warning state-not-carried @0:3', 'warning state-not-carried @0:5']);
    expect(result.diagnostics[0].message).toContain('os.environ[...] sets process state inside other code');
    expect(result.diagnostics[0].message).toContain('Set it in a statement of its own');
  });

  test('in the last step nothing needs carrying', () => {
    expect(codes(analyze([step('a', 'x = 1'), step('b', 'import os\nif True:\n    os.environ["A"] = "1"')]))).toEqual([]);
  });
});

describe('a seeded global generator carries its state through the steps that may draw from it', () => {
  test('numpy: scikit-learn draws from it without naming numpy, so its steps join the chain', () => {
    const result = analyze([
      step('a', 'import numpy as np\nnp.random.seed(0)'),
      step('b', 'from sklearn.model_selection import train_test_split\nprint(train_test_split(list(range(10)), test_size=3)[1])'),
      step('c', 'print(len("no numpy here"))'),
      step('d', 'from sklearn.utils import shuffle\nprint(shuffle([1, 2, 3]))')
    ]);
    expect(stepOf(result, 'b')).toMatchObject({ dependsOn: ['a'], randomInputs: { numpy: 'a' }, randomOutputs: ['numpy'] });
    expect(stepOf(result, 'c')).toMatchObject({ dependsOn: [], randomInputs: {} });
    expect(stepOf(result, 'd')).toMatchObject({ dependsOn: ['b'], randomInputs: { numpy: 'b' }, randomOutputs: [] });
    expect(stepOf(result, 'a').randomOutputs).toEqual(['numpy']);
    expect(codes(result)).toEqual(['info random-state-carried @0:2']);
    const message = result.diagnostics[0].message;
    expect(message).toContain('"a" -> "b" -> "d"');
    expect(message).toContain('2 of these orderings come from the random state alone');
    expect(message).toContain('random_state=');
  });

  test('a value made with the library carries the family on: df.sample() draws from numpy', () => {
    const result = analyze([
      step('a', 'import numpy as np, pandas as pd\nnp.random.seed(0)\ndf = pd.DataFrame({"x": range(9)})'),
      step('b', 'print(df.sample(2))')
    ]);
    expect(stepOf(result, 'b').randomInputs).toEqual({ numpy: 'a' });
  });

  test('the random module: only code that names it draws from it', () => {
    const result = analyze([
      { code: 'import random', tags: ['imports'] },
      step('a', 'random.seed(1)\nrows = [random.random() for _ in range(3)]'),
      step('b', 'print(sum(rows))'),
      step('c', 'print(random.random())')
    ]);
    expect(stepOf(result, 'b').randomInputs).toEqual({});
    expect(stepOf(result, 'c')).toMatchObject({ randomInputs: { random: 'a' }, dependsOn: ['a'] });
  });

  test('seeded in an imports cell: the first step that draws starts seeded, the next where it left off', () => {
    const result = analyze([
      { code: 'import random\nrandom.seed(1)', tags: ['imports'] },
      step('a', 'first = random.random()'),
      step('b', 'print(random.random())')
    ]);
    expect(stepOf(result, 'a').randomInputs).toEqual({});
    expect(stepOf(result, 'b')).toMatchObject({ randomInputs: { random: 'a' }, dependsOn: ['a'] });
  });

  test('a step that seeds again starts a new chain', () => {
    const result = analyze([
      { code: 'import random', tags: ['imports'] },
      step('a', 'random.seed(1)'),
      step('b', 'random.seed(2)\nprint(random.random())'),
      step('c', 'print(random.random())')
    ]);
    expect(stepOf(result, 'b').randomInputs).toEqual({});
    expect(stepOf(result, 'c').randomInputs).toEqual({ random: 'b' });
  });

  test('no chain and no cost when nothing after the seed draws', () => {
    const result = analyze([{ code: 'import random', tags: ['imports'] }, step('a', 'random.seed(1)\nx = random.random()'), step('b', 'print(x)')]);
    expect(stepOf(result, 'b').randomInputs).toEqual({});
    expect(codes(result)).toEqual([]);
  });

  test('an ordering the data already implies costs no parallelism', () => {
    const result = analyze([
      { code: 'import random', tags: ['imports'] },
      step('a', 'random.seed(1)\nx = random.random()'),
      step('b', 'print(x, random.random())')
    ]);
    expect(result.diagnostics[0].message).toContain('costs no parallelism');
  });

  test.each([
    ['import numpy as np', 'np.random.seed(0)', 'x = np.random.rand()', 'numpy'],
    ['from numpy import random as npr', 'npr.seed(0)', 'x = npr.rand()', 'numpy'],
    ['import torch', 'torch.manual_seed(0)', 'x = torch.randn(2)', 'torch'],
    ['import random', 'random.setstate(state)', 'x = random.random()', 'random'],
    ['from random import seed', 'seed(1)', 'import random\nx = random.random()', 'random'],
    ['import lightning as L', 'L.seed_everything(0)', 'import numpy as np\nx = np.random.rand()', 'numpy']
  ])('%s; %s', (imports, seed, draw, generator) => {
    const result = analyze([{ code: imports, tags: ['imports'] }, step('a', `state = None\n${seed}`), step('b', draw)]);
    expect(stepOf(result, 'b').randomInputs).toEqual({ [generator]: 'a' });
  });

  test("tensorflow's global seed cannot be carried: a warning on the first step that may draw", () => {
    const result = analyze([
      { code: 'import tensorflow as tf', tags: ['imports'] },
      step('a', 'tf.random.set_seed(0)'),
      step('b', 'x = tf.random.uniform([1])'),
      step('c', 'y = tf.random.uniform([1])')
    ]);
    expect(stepOf(result, 'b').randomInputs).toEqual({});
    expect(codes(result)).toEqual(['warning state-not-carried @2:1']);
    expect(result.diagnostics[0].message).toContain('tf.random.Generator.from_seed(0)');
  });

  test('a seed() method of a value is not the global generator', () => {
    const result = analyze([
      { code: 'import numpy as np', tags: ['imports'] },
      step('a', 'rng = np.random.RandomState(0)\nrng.seed(1)'),
      step('b', 'print(np.random.rand())')
    ]);
    expect(stepOf(result, 'b').randomInputs).toEqual({});
  });

  test('a function of the notebook that seeds, run by a step, makes that step the seeding one', () => {
    const result = analyze([
      { code: 'import random', tags: ['imports'] },
      { code: 'def seed_all():\n    random.seed(0)', tags: ['functions'] },
      step('a', 'seed_all()'),
      step('b', 'print(random.random())')
    ]);
    expect(stepOf(result, 'b').randomInputs).toEqual({ random: 'a' });
  });
});
