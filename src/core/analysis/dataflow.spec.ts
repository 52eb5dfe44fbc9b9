import { notebookJson, step, type CellSpec } from '../__fixtures__/notebookBuilder';
import { analyzeNotebook } from './analyzer';
import type { AnalysisResult } from './types';

interface StepExpectation {
  dependsOn?: string[];
  inputs?: string[];
  outputs?: string[];
  declarations?: string[];
  parameters?: string[];
}

interface Row {
  rule: string;
  cells: CellSpec[];
  steps: Record<string, StepExpectation>;
  diagnostics?: string[];
}

const rows: Row[] = [
  {
    rule: 'the source is the last step before that writes the name',
    cells: [step('a', 'x = 1'), step('b', 'x = 2'), step('c', 'print(x)')],
    steps: { a: {}, b: { outputs: ['x'] }, c: { dependsOn: ['b'], inputs: ['x'] } }
  },
  {
    rule: 'steps that only read one value run in parallel',
    cells: [step('load', 'df = [1, 2]'), step('left', 'l = len(df)'), step('right', 'r = df.shape'), step('join', 'print(l, r)')],
    steps: {
      load: { outputs: ['df'] },
      left: { dependsOn: ['load'], inputs: ['df'], outputs: ['l'] },
      right: { dependsOn: ['load'], inputs: ['df'], outputs: ['r'] },
      join: { dependsOn: ['left', 'right'], inputs: ['l', 'r'] }
    }
  },
  {
    rule: 'fitting two models on the same data lets them train in parallel',
    cells: [
      step('split', 'X, y = [[1], [2]], [0, 1]'),
      step('forest', 'rf = Forest()\nrf.fit(X, y)\nrf_score = rf.score(X, y)'),
      step('linear', 'lr = Linear()\nlr.fit(X, y)\nlr_score = lr.score(X, y)'),
      step('report', 'print(rf_score, lr_score)')
    ],
    steps: {
      split: { outputs: ['X', 'y'] },
      forest: { dependsOn: ['split'], inputs: ['X', 'y'], outputs: ['rf_score'] },
      linear: { dependsOn: ['split'], inputs: ['X', 'y'], outputs: ['lr_score'] },
      report: { dependsOn: ['forest', 'linear'], inputs: ['lr_score', 'rf_score'] }
    },
    diagnostics: ['undefined-name', 'undefined-name']
  },
  {
    rule: "a notebook class's own fit() is not trusted to leave its arguments alone",
    cells: [
      step('define', 'class Scaler:\n    def fit(self, rows):\n        rows.sort()\n        return self\nrows = [3, 1, 2]'),
      step('fit', 's = Scaler()\ns.fit(rows)'),
      step('use', 'print(rows)')
    ],
    steps: {
      define: { outputs: ['rows'] },
      fit: { dependsOn: ['define'], inputs: ['rows'], outputs: ['rows'], declarations: ['Scaler'] },
      use: { dependsOn: ['fit'], inputs: ['rows'], declarations: ['Scaler'] }
    }
  },
  {
    rule: 'an in-place change makes the changing step the source',
    cells: [step('a', 'xs = []'), step('b', 'xs.append(1)'), step('c', 'print(xs)')],
    steps: { a: { outputs: ['xs'] }, b: { dependsOn: ['a'], inputs: ['xs'], outputs: ['xs'] }, c: { dependsOn: ['b'], inputs: ['xs'] } }
  },
  {
    rule: 'a change through an alias makes the changing step the source',
    cells: [step('a', 'xs = [1]'), step('b', 'ys = xs\nys.append(2)'), step('c', 'print(xs)')],
    steps: { a: { outputs: ['xs'] }, b: { dependsOn: ['a'], inputs: ['xs'], outputs: ['xs'] }, c: { dependsOn: ['b'], inputs: ['xs'] } }
  },
  {
    rule: 'an alias bound in one cell of a step and changed in the next',
    cells: [step('a', 'xs = [1]'), step('b', 'ys = xs'), 'ys.append(2)', step('c', 'print(xs)')],
    steps: { a: { outputs: ['xs'] }, b: { dependsOn: ['a'], inputs: ['xs'], outputs: ['xs'] }, c: { dependsOn: ['b'], inputs: ['xs'] } }
  },
  {
    rule: 'an alias of an alias across cells of a step',
    cells: [step('a', 'xs = [1]'), step('b', 'ys = xs'), 'zs = ys', 'zs.append(2)', step('c', 'print(xs)')],
    steps: { a: { outputs: ['xs'] }, b: { dependsOn: ['a'], inputs: ['xs'], outputs: ['xs'] }, c: { dependsOn: ['b'], inputs: ['xs'] } }
  },
  {
    rule: 'an alias of an alias keeps its roots when the other is rebound in the same cell',
    cells: [step('a', 'xs = [1]'), step('b', 'ys = xs'), 'zs = ys\nys = []', 'zs.append(2)', step('c', 'print(xs)')],
    steps: { a: { outputs: ['xs'] }, b: { dependsOn: ['a'], inputs: ['xs'], outputs: ['xs'] }, c: { dependsOn: ['b'], inputs: ['xs'] } }
  },
  {
    rule: 'rebinding in a later cell of the step ends the alias',
    cells: [step('a', 'xs = [1]'), step('b', 'ys = xs'), 'ys = []\nys.append(2)', step('c', 'print(xs)')],
    steps: { a: { outputs: ['xs'] }, b: { dependsOn: ['a'], inputs: ['xs'] }, c: { dependsOn: ['a'], inputs: ['xs'] } }
  },
  {
    rule: 'a copy is not an alias',
    cells: [step('a', 'xs = [1]'), step('b', 'ys = list(xs)\nys.append(2)'), step('c', 'print(xs)')],
    steps: { a: { outputs: ['xs'] }, b: { dependsOn: ['a'], inputs: ['xs'] }, c: { dependsOn: ['a'], inputs: ['xs'] } }
  },
  {
    rule: 'a loop changing the items of a list changes the list',
    cells: [step('a', 'rows = [{"x": 0}]'), step('b', 'for row in rows:\n    row["x"] += 10'), step('c', 'print(rows)')],
    steps: { a: { outputs: ['rows'] }, b: { dependsOn: ['a'], inputs: ['rows'], outputs: ['rows'] }, c: { dependsOn: ['b'], inputs: ['rows'] } }
  },
  {
    rule: 'a loop that only reads the items leaves the list to its source',
    cells: [step('a', 'rows = [{"x": 0}]'), step('b', 'for row in rows:\n    print(row["x"])'), step('c', 'print(rows)')],
    steps: { a: { outputs: ['rows'] }, b: { dependsOn: ['a'], inputs: ['rows'] }, c: { dependsOn: ['a'], inputs: ['rows'] } }
  },
  {
    rule: 'a comprehension changing the items of a list changes the list',
    cells: [step('a', 'lists = [[1]]'), step('b', '_ = [l.append(0) for l in lists]'), step('c', 'print(lists)')],
    steps: { a: { outputs: ['lists'] }, b: { dependsOn: ['a'], inputs: ['lists'], outputs: ['lists'] }, c: { dependsOn: ['b'], inputs: ['lists'] } }
  },
  {
    rule: 'passing an immutable value to a call does not change it',
    cells: [step('a', "path = 'data.csv'"), step('b', 'def read(p):\n    return p\ndf = read(path)'), step('c', 'print(path)')],
    steps: { a: { outputs: ['path'] }, b: { dependsOn: ['a'], inputs: ['path'], outputs: [] }, c: { dependsOn: ['a'], inputs: ['path'] } }
  },
  // library functions that leave their arguments alone (libraryFunctions.ts)
  {
    rule: "scikit-learn's cross_val_score and metrics leave the data alone: models evaluated on it run in parallel",
    cells: [
      { code: 'from sklearn.model_selection import cross_val_score as cvs\nfrom sklearn.metrics import accuracy_score', tags: ['imports'] },
      step('data', 'X, y = [[1], [2]], [0, 1]'),
      step('svm', 'svm_cv = cvs(SVC(), X, y, cv=2)'),
      step('boost', 'boost_cv = cvs(Boost(), X, y, cv=2)\nacc = accuracy_score(y, y)'),
      step('report', 'print(svm_cv, boost_cv, acc, X)')
    ],
    steps: {
      data: { outputs: ['X', 'y'] },
      svm: { dependsOn: ['data'], inputs: ['X', 'y'], outputs: ['svm_cv'], declarations: ['cvs'] },
      boost: { dependsOn: ['data'], inputs: ['X', 'y'], outputs: ['acc', 'boost_cv'], declarations: ['accuracy_score', 'cvs'] },
      report: { dependsOn: ['boost', 'data', 'svm'], inputs: ['X', 'acc', 'boost_cv', 'svm_cv'] }
    },
    diagnostics: ['undefined-name', 'undefined-name']
  },
  {
    rule: 'a library function name the notebook also binds otherwise is not trusted',
    cells: [
      { code: 'from sklearn.model_selection import cross_val_score', tags: ['imports'] },
      step('data', 'X = [3, 1, 2]'),
      step('score', 'first = cross_val_score(None, X, None)'),
      step('use', 'print(X)'),
      step('later', 'def cross_val_score(model, rows, target):\n    rows.sort()')
    ],
    steps: {
      data: { outputs: ['X'] },
      score: { dependsOn: ['data'], inputs: ['X'], outputs: ['X'], declarations: ['cross_val_score'] },
      use: { dependsOn: ['score'], inputs: ['X'] },
      later: {}
    }
  },
  {
    rule: 'a function of the same name from another module is not trusted',
    cells: [
      { code: 'from mylib import cross_val_score', tags: ['imports'] },
      step('data', 'X = [3, 1, 2]'),
      step('score', 'first = cross_val_score(None, X, None)'),
      step('use', 'print(X)')
    ],
    steps: {
      data: { outputs: ['X'] },
      score: { dependsOn: ['data'], inputs: ['X'], outputs: ['X'], declarations: ['cross_val_score'] },
      use: { dependsOn: ['score'], inputs: ['X'] }
    }
  },
  {
    rule: 'a metric called through its module leaves the data alone: steps scoring the same data run in parallel',
    cells: [
      { code: 'from sklearn import metrics\nimport sklearn.model_selection as ms', tags: ['imports'] },
      step('data', 'y, p = [0, 1, 1], [0, 1, 0]'),
      step('accuracy', 'acc = metrics.accuracy_score(y, p)'),
      step('f1', 'f1 = metrics.f1_score(y_true=y, y_pred=p)\nparts = ms.train_test_split(y, p)'),
      step('report', 'print(acc, f1, parts, y)')
    ],
    steps: {
      data: { outputs: ['p', 'y'] },
      accuracy: { dependsOn: ['data'], inputs: ['p', 'y'], outputs: ['acc'], declarations: ['metrics'] },
      f1: { dependsOn: ['data'], inputs: ['p', 'y'], outputs: ['f1', 'parts'], declarations: ['metrics', 'ms'] },
      report: { dependsOn: ['accuracy', 'data', 'f1'], inputs: ['acc', 'f1', 'parts', 'y'] }
    }
  },
  {
    rule: 'a call through a module name is not trusted where the name may be something else, or the function is unknown',
    cells: [
      { code: 'from sklearn import metrics\nimport mylib as lib', tags: ['imports'] },
      step('data', 'y = [3, 1, 2]'),
      step('rebound', 'metrics.accuracy_score(y, y)\nlib.accuracy_score(y)\nmetrics.unknown_score(y)'),
      step('use', 'print(y)'),
      step('later', 'metrics.accuracy_score = sorted')
    ],
    steps: {
      data: { outputs: ['y'] },
      rebound: { dependsOn: ['data'], inputs: ['y'], outputs: ['y'], declarations: ['lib', 'metrics'] },
      use: { dependsOn: ['rebound'], inputs: ['y'] },
      later: { declarations: ['metrics'] }
    }
  },
  // calls of the notebook's own functions (notebookFunctions.ts)
  {
    rule: 'steps that call a pure helper on the same data run in parallel',
    cells: [
      { code: 'def score(weights, rows):\n    return sum(weights[0] * x for x in rows)', tags: ['functions'] },
      step('a', 'rows = [1, 2]\nw = [0.5]'),
      step('left', 'l = score(w, rows)'),
      step('right', 'r = [score(w, [x]) for x in rows]'),
      step('join', 'print(l, r, rows)')
    ],
    steps: {
      a: { outputs: ['rows', 'w'] },
      left: { dependsOn: ['a'], inputs: ['rows', 'w'], outputs: ['l'], declarations: ['score'] },
      right: { dependsOn: ['a'], inputs: ['rows', 'w'], outputs: ['r'], declarations: ['score'] },
      join: { dependsOn: ['a', 'left', 'right'], inputs: ['l', 'r', 'rows'] }
    }
  },
  {
    rule: 'a helper passing its parameters to a library function that leaves them alone leaves the arguments alone',
    cells: [
      { code: 'from sklearn.metrics import accuracy_score', tags: ['imports'] },
      {
        code: 'def evaluate(model, X, y):\n    return accuracy_score(y, model.predict(X))',
        tags: ['functions']
      },
      step('data', 'X, y = [[1], [2]], [0, 1]'),
      step('svm', 'svm = SVC().fit(X, y)\ns1 = evaluate(svm, X, y)'),
      step('boost', 'boost = Boost().fit(X, y)\ns2 = evaluate(boost, X, y)'),
      step('report', 'print(s1, s2, X, y)')
    ],
    steps: {
      data: { outputs: ['X', 'y'] },
      svm: { dependsOn: ['data'], inputs: ['X', 'y'], outputs: ['s1'], declarations: ['accuracy_score', 'evaluate'] },
      boost: { dependsOn: ['data'], inputs: ['X', 'y'], outputs: ['s2'], declarations: ['accuracy_score', 'evaluate'] },
      report: { dependsOn: ['boost', 'data', 'svm'], inputs: ['X', 's1', 's2', 'y'] }
    },
    diagnostics: ['undefined-name', 'undefined-name']
  },
  {
    rule: 'a helper appending to its parameter changes the argument',
    cells: [
      { code: 'def add(rows, row):\n    rows.append(row)', tags: ['functions'] },
      step('a', 'rows = [1]\nrow = 2'),
      step('b', 'add(rows, row)'),
      step('c', 'print(rows, row)')
    ],
    steps: {
      a: { outputs: ['row', 'rows'] },
      b: { dependsOn: ['a'], inputs: ['row', 'rows'], outputs: ['rows'], declarations: ['add'] },
      c: { dependsOn: ['a', 'b'], inputs: ['row', 'rows'] }
    }
  },
  {
    rule: 'a helper changing its parameter through another helper, defined in a step',
    cells: [
      step('a', 'def fill(xs):\n    xs.extend([0, 0])\nrows = []'),
      step('b', 'def prepare(rows, n):\n    fill(rows)\n    return n + 1\nm = prepare(rows, 1)'),
      step('c', 'print(rows)')
    ],
    steps: {
      a: { outputs: ['rows'] },
      b: { dependsOn: ['a'], inputs: ['rows'], outputs: ['rows'], declarations: ['fill'] },
      c: { dependsOn: ['b'], inputs: ['rows'] }
    }
  },
  {
    rule: 'a helper whose name another cell rebinds is not trusted',
    cells: [
      { code: 'def peek(xs):\n    return len(xs)', tags: ['functions'] },
      step('a', 'rows = [1]'),
      step('b', 'n = peek(rows)'),
      step('c', 'print(rows)'),
      step('d', 'peek = print')
    ],
    steps: {
      a: { outputs: ['rows'] },
      b: { dependsOn: ['a'], inputs: ['rows'], outputs: ['rows'], declarations: ['peek'] },
      c: { dependsOn: ['b'], inputs: ['rows'] },
      d: {}
    }
  },
  {
    rule: 'a helper rebound by a global write is not trusted',
    cells: [
      { code: 'def peek(xs):\n    return len(xs)\n\ndef swap():\n    global peek\n    peek = print', tags: ['functions'] },
      step('a', 'rows = [1]'),
      step('b', 'n = peek(rows)'),
      step('c', 'print(rows)')
    ],
    steps: {
      a: { outputs: ['rows'] },
      b: { dependsOn: ['a'], inputs: ['rows'], outputs: ['rows'], declarations: ['peek'] },
      c: { dependsOn: ['b'], inputs: ['rows'] }
    }
  },
  {
    rule: 'a decorated helper is not trusted',
    cells: [
      { code: 'import functools', tags: ['imports'] },
      { code: '@functools.lru_cache\ndef peek(xs):\n    return len(xs)', tags: ['functions'] },
      step('a', 'cfg = {"k": 1}'),
      step('b', 'n = peek(cfg)'),
      step('c', 'print(cfg)')
    ],
    steps: {
      a: { outputs: ['cfg'] },
      b: { dependsOn: ['a'], inputs: ['cfg'], outputs: ['cfg'], declarations: ['functools', 'peek'] },
      c: { dependsOn: ['b'], inputs: ['cfg'] }
    }
  },
  {
    rule: 'import * anywhere: no helper is trusted',
    cells: [
      { code: 'from helpers import *', tags: ['imports'] },
      { code: 'def peek(xs):\n    return len(xs)', tags: ['functions'] },
      step('a', 'rows = [1]'),
      step('b', 'n = peek(rows)'),
      step('c', 'print(rows)')
    ],
    steps: {
      a: { outputs: ['rows'] },
      b: { dependsOn: ['a'], inputs: ['rows'], outputs: ['rows'], declarations: ['peek'] },
      c: { dependsOn: ['b'], inputs: ['rows'] }
    },
    diagnostics: ['opaque-code']
  },
  {
    rule: 'an alias from an earlier cell of the step, passed to a helper that changes it',
    cells: [
      { code: 'def add(rows):\n    rows.append(0)', tags: ['functions'] },
      step('a', 'xs = [1]'),
      step('b', 'ys = xs'),
      'add(ys)',
      step('c', 'print(xs)')
    ],
    steps: {
      a: { outputs: ['xs'] },
      b: { dependsOn: ['a'], inputs: ['xs'], outputs: ['xs'], declarations: ['add'] },
      c: { dependsOn: ['b'], inputs: ['xs'] }
    }
  },
  {
    rule: 'explicit prev: edges are added',
    cells: [step('a', 'x = 1'), step('b', 'y = 2', 'prev:a')],
    steps: { a: {}, b: { dependsOn: ['a'] } }
  },
  {
    rule: 'parameters reach every step without edges',
    cells: [{ code: 'lr = 0.1\nname = "m"', tags: ['pipeline-parameters'] }, step('a', 'print(lr)'), step('b', 'print(lr, name)')],
    steps: { a: { parameters: ['lr'] }, b: { parameters: ['lr', 'name'] } }
  },
  {
    rule: 'a re-bound parameter is data from then on',
    cells: [{ code: 'lr = 0.1', tags: ['parameters'] }, step('a', 'lr = lr * 2'), step('b', 'print(lr)')],
    steps: { a: { parameters: ['lr'], outputs: ['lr'] }, b: { dependsOn: ['a'], inputs: ['lr'] } }
  },
  {
    rule: 'imports are declarations, not data',
    cells: [step('a', 'import numpy as np\nx = np.zeros(3)'), step('b', 'y = np.ones(2)\nnp.random.seed(0)'), step('c', 'print(np.pi)')],
    steps: {
      a: {},
      b: { declarations: ['np'] },
      // b seeds numpy's generator and c may draw from it: c starts from the state b leaves (processStateFlow.spec.ts)
      c: { declarations: ['np'], dependsOn: ['b'] }
    }
  },
  {
    rule: 'a function brings what it uses: declarations transitively, data as inputs',
    cells: [
      { code: 'import math', tags: ['imports'] },
      step('a', 'scale = 3'),
      step('b', 'def helper(v):\n    return math.sqrt(v) * scale\n\ndef main(v):\n    return helper(v)'),
      step('c', 'print(main(4))')
    ],
    steps: {
      a: { outputs: ['scale'] },
      b: {},
      c: { dependsOn: ['a'], inputs: ['scale'], declarations: ['helper', 'main', 'math'] }
    }
  },
  {
    rule: 'a function used where its free names are bound later in the step needs them from before',
    cells: [step('a', 'k = 1'), step('b', 'def f():\n    return k\nprint(f())\nk = 2')],
    steps: { a: { outputs: ['k'] }, b: { dependsOn: ['a'], inputs: ['k'] } }
  },
  {
    rule: 'a global write in a called function changes the name in the calling step',
    cells: [step('a', 'counter = 0\ndef bump():\n    global counter\n    counter += 1'), step('b', 'bump()'), step('c', 'print(counter)')],
    steps: {
      a: { outputs: ['counter'] },
      b: { dependsOn: ['a'], inputs: ['counter'], outputs: ['counter'], declarations: ['bump'] },
      c: { dependsOn: ['b'], inputs: ['counter'] }
    }
  },
  {
    rule: 'a global write in a function the step defines and calls on the very next line',
    cells: [step('a', 'counter = 0'), step('b', 'def inc():\n    global counter\n    counter += 1\ninc()\ninc()'), step('c', 'print(counter)')],
    steps: {
      a: { outputs: ['counter'] },
      b: { dependsOn: ['a'], inputs: ['counter'], outputs: ['counter'] },
      c: { dependsOn: ['b'], inputs: ['counter'] }
    }
  },
  {
    rule: 'del of a name needs its value; a later rebinding is the source after it',
    cells: [step('a', 'a = 1'), step('b', 'del a'), step('c', 'a = 10'), step('d', 'print(a)')],
    steps: { a: { outputs: ['a'] }, b: { dependsOn: ['a'], inputs: ['a'] }, c: { outputs: ['a'] }, d: { dependsOn: ['c'], inputs: ['a'] } }
  },
  {
    rule: 'a step that loads inputs gets the classes declared above it',
    cells: [step('a', 'class Model:\n    pass\nm = Model()'), step('b', 'print(m)')],
    steps: { a: { outputs: ['m'] }, b: { dependsOn: ['a'], inputs: ['m'], declarations: ['Model'] } }
  },
  {
    rule: 'builtins are never inputs, a re-bound builtin is',
    cells: [step('a', 'print(len([1]))'), step('b', 'list = [1, 2]'), step('c', 'print(list)')],
    steps: { a: {}, b: { outputs: ['list'] }, c: { dependsOn: ['b'], inputs: ['list'] } }
  },
  {
    rule: 'untagged cells join the step above; cells above the first step join it',
    cells: ['a = 1', step('s', 'b = a'), 'c = b', step('t', 'print(c)')],
    steps: { s: { outputs: ['c'] }, t: { dependsOn: ['s'], inputs: ['c'] } }
  },
  {
    rule: 'a notebook without step tags is one step',
    cells: ['import os', 'x = os.getcwd()', { markdown: '# notes' }, 'print(x)'],
    steps: { main: {} }
  },
  {
    rule: 'skipped cells are left out',
    cells: [step('a', 'x = 1'), { code: 'x = 99', tags: ['skip'] }, step('b', 'print(x)')],
    steps: { a: { outputs: ['x'] }, b: { dependsOn: ['a'], inputs: ['x'] } }
  },
  {
    rule: 'a maybe-binding step passes the old value on',
    cells: [step('a', 'x = 1\nflag = True'), step('b', 'if flag:\n    x = 2'), step('c', 'print(x)')],
    steps: {
      a: { outputs: ['flag', 'x'] },
      b: { dependsOn: ['a'], inputs: ['flag', 'x'], outputs: ['x'] },
      c: { dependsOn: ['b'], inputs: ['x'] }
    }
  },
  {
    rule: 'a loop variable no later step reads is neither loaded nor passed on',
    cells: [step('a', 'x = 0\nxs = [1, 2]'), step('b', 'for x in xs:\n    print(x)'), step('c', 'print(xs)')],
    steps: { a: { outputs: ['xs'] }, b: { dependsOn: ['a'], inputs: ['xs'] }, c: { dependsOn: ['a'], inputs: ['xs'] } }
  },
  {
    rule: 'a loop variable a later step reads is passed on through every step that may rebind it',
    cells: [step('a', 'x = 0'), step('b', 'for x in range(2):\n    pass'), step('c', 'for x in []:\n    pass'), step('d', 'print(x)')],
    steps: {
      a: { outputs: ['x'] },
      b: { dependsOn: ['a'], inputs: ['x'], outputs: ['x'] },
      c: { dependsOn: ['b'], inputs: ['x'], outputs: ['x'] },
      d: { dependsOn: ['c'], inputs: ['x'] }
    }
  },
  {
    rule: 'a loop variable a metrics cell reports is kept by the step that may rebind it',
    cells: [step('a', 'x = 0'), step('b', 'for x in []:\n    pass'), { code: 'x', tags: ['pipeline-metrics'] }],
    steps: { a: { outputs: ['x'] }, b: { dependsOn: ['a'], inputs: ['x'] } }
  },
  {
    rule: "a bare name on a step's last line is an output though no later step reads it",
    cells: [step('a', 'xs = [1]'), step('train', 'model = sum(xs)\nmodel')],
    steps: { a: { outputs: ['xs'] }, train: { dependsOn: ['a'], inputs: ['xs'], outputs: ['model'] } }
  },
  {
    rule: "a bare name on a step's last line: only data the step binds or changes",
    cells: [
      { code: 'import math', tags: ['imports'] },
      { code: 'rate = 0.5', tags: ['pipeline-parameters'] },
      step('a', 'xs = [1]'),
      step('b', 'ys = xs + [2]\nxs'),
      step('c', 'def f():\n    return 1\nf'),
      step('d', 'rate'),
      step('e', 'math'),
      step('f', 'xs.append(3)\nzs = 0'),
      'xs'
    ],
    steps: {
      a: { outputs: ['xs'] },
      b: { dependsOn: ['a'], inputs: ['xs'] },
      c: {},
      d: { parameters: ['rate'] },
      e: { declarations: ['math'] },
      f: { dependsOn: ['a'], inputs: ['xs'], outputs: ['xs'] }
    }
  },
  {
    rule: 'exec makes a step read and change everything above',
    cells: [step('a', 'x = 1\ny = 2'), step('b', 'exec(code_text)'), step('c', 'print(x)')],
    steps: { a: { outputs: ['x', 'y'] }, b: { dependsOn: ['a'], inputs: ['x', 'y'], outputs: ['x'] }, c: { dependsOn: ['b'], inputs: ['x'] } },
    diagnostics: ['opaque-code', 'undefined-name']
  },
  {
    rule: 'import * supplies names nothing else defines',
    cells: [step('a', 'from helpers import *'), step('b', 'print(tool())')],
    steps: { a: {}, b: { declarations: [] } },
    diagnostics: ['opaque-code']
  }
];

describe("results: bare names on a step's last line", () => {
  test('kept only to be looked at until a later step loads them', () => {
    const results = (cells: CellSpec[]): string[][] => analyzeNotebook(notebookJson(cells)).steps.map(s => s.results);
    expect(results([step('a', 'model = [1]\nmodel'), step('b', 'x = 1')])).toEqual([['model'], []]);
    expect(results([step('a', 'model = [1]\nmodel'), step('b', 'print(model)')])).toEqual([[], []]);
  });

  test('a result that cannot be saved is no unpicklable-value diagnostic, until a step loads it', () => {
    const codes = (cells: CellSpec[]): string[] => analyzeNotebook(notebookJson(cells)).diagnostics.map(d => d.code);
    expect(codes([step('a', 'g = (i for i in range(3))\ng')])).toEqual([]);
    expect(codes([step('a', 'g = (i for i in range(3))\ng'), step('b', 'print(list(g))')])).toEqual(['unpicklable-value']);
  });
});

function stepsOf(result: AnalysisResult): Record<string, Required<StepExpectation>> {
  return Object.fromEntries(
    result.steps.map(s => [
      s.name,
      { dependsOn: s.dependsOn, inputs: s.inputs, outputs: s.outputs, declarations: s.declarations, parameters: s.parameters }
    ])
  );
}

describe('dataflow across steps: one row per rule', () => {
  test.each(rows)('$rule', row => {
    const result = analyzeNotebook(notebookJson(row.cells));
    const expected = Object.fromEntries(
      Object.entries(row.steps).map(([name, s]) => [name, { dependsOn: [], inputs: [], outputs: [], declarations: [], parameters: [], ...s }])
    );
    expect(stepsOf(result)).toEqual(expected);
    expect(
      result.diagnostics
        .filter(d => d.severity !== 'info')
        .map(d => d.code)
        .sort()
    ).toEqual(row.diagnostics ?? []);
  });
});

describe('dataflow diagnostics', () => {
  const codes = (cells: CellSpec[]): string[] => analyzeNotebook(notebookJson(cells)).diagnostics.map(d => `${d.severity} ${d.code} @${d.cell}`);

  test('a name never defined above', () => {
    expect(codes([step('a', 'print(x)'), step('b', 'x = 1')])).toEqual(['error undefined-name @0']);
  });

  test('del of a name never defined above', () => {
    expect(codes([step('a', 'del x')])).toEqual(['error undefined-name @0']);
  });

  test('a name deleted by an earlier step', () => {
    expect(codes([step('a', 'x = 1'), step('b', 'del x'), step('c', 'print(x)')])).toEqual(['error undefined-name @2']);
  });

  test('a name a function uses that no cell defines', () => {
    expect(codes([step('a', 'def f():\n    return nowhere')])).toEqual(['warning undefined-name @0']);
  });

  test('prev: naming no step', () => {
    expect(codes([step('a', 'x = 1', 'prev:ghost')])).toEqual(['error unknown-prev @0']);
  });

  test('a cycle through prev: tags', () => {
    expect(codes([step('a', 'x = 1', 'prev:b'), step('b', 'print(x)')])).toEqual(['error prev-cycle @0']);
    expect(codes([step('a', 'x = 1', 'prev:a')])).toEqual(['error prev-cycle @0']);
  });

  test('values that cannot travel between steps', () => {
    expect(
      codes([
        step('a', 'g = (i for i in range(3))\nfh = open("f")\nf = lambda v: v\ndef gen():\n    yield 1\nh = gen()'),
        step('b', 'print(g, fh, f, h)')
      ])
    ).toEqual(['error unpicklable-value @0', 'error unpicklable-value @0', 'warning unpicklable-value @0', 'error unpicklable-value @0']);
  });

  test('a split step whose later cell needs a value a step in between changes', () => {
    const result = analyzeNotebook(notebookJson([step('a', 'x = 1'), step('b', 'x = 2'), step('a', 'print(x)')]));
    expect(result.diagnostics.map(d => d.code)).toEqual(['split-step', 'split-step-order']);
    expect(result.steps.map(s => [s.name, s.cells])).toEqual([
      ['a', [0, 2]],
      ['b', [1]]
    ]);
  });

  test('metrics come from the step that computes them', () => {
    const result = analyzeNotebook(
      notebookJson([step('train', 'acc = 0.9'), step('eval', 'loss = 0.1'), { code: 'acc\nloss\nprint(nothing)', tags: ['pipeline-metrics'] }])
    );
    expect(result.metrics).toEqual(['acc', 'loss']);
    expect(result.steps.map(s => s.metrics)).toEqual([['acc'], ['loss']]);
    expect(result.diagnostics.map(d => d.code)).toEqual(['unknown-metric']);
  });
});
