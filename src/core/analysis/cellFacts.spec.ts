import { BUILTINS } from './builtins';
import { analyzeCell, summarizeCell } from './cellFacts';
import { parameterChanges, resolveCallPasses } from './notebookFunctions';

interface Row {
  construct: string;
  code: string;
  reads?: string[];
  writes?: string[];
  mutates?: string[];
  declarations?: string[];
  /** Names the cell's declarations use (definition time and function bodies). */
  uses?: string[];
  /** Module names the cell's functions change (global writes, in-place changes). */
  declarationMutates?: string[];
  generators?: string[];
  /** Per function the cell defines (and whose calls resolve): the parameters it may change. */
  changedParameters?: Record<string, string[]>;
  opaque?: boolean;
  bindsUnknownNames?: boolean;
  diagnostics?: string[];
}

/** One row per construct of the checklist; builtins are left out of reads and uses for brevity. */
const rows: Row[] = [
  { construct: 'simple assignment', code: 'x = 1', writes: ['x'] },
  { construct: 'chained assignment', code: 'a = b = f(c)', reads: ['c', 'f'], writes: ['a', 'b'], mutates: ['c'] },
  { construct: 'tuple/list unpacking', code: 'a, (b, [c, d]) = t', reads: ['t'], writes: ['a', 'b', 'c', 'd'] },
  { construct: 'starred unpacking', code: 'first, *rest = items', reads: ['items'], writes: ['first', 'rest'] },
  { construct: 'augmented assignment', code: 'total += x', reads: ['total', 'x'], writes: ['total'], mutates: ['total'] },
  { construct: 'annotated assignment with value', code: 'n: Size = 5', reads: ['Size'], writes: ['n'] },
  { construct: 'annotated assignment without value', code: 'n: Size', reads: ['Size'], writes: [] },
  { construct: 'read before write', code: 'x = x + 1', reads: ['x'], writes: ['x'] },
  { construct: 'walrus', code: 'if (m := len(s)) > 3:\n    print(m)', reads: ['s'], writes: ['m'] },
  {
    construct: 'walrus in comprehension leaks to the enclosing scope',
    code: 'ys = [y for x in xs if (y := g(x))]',
    reads: ['g', 'xs'],
    writes: ['y', 'ys'],
    mutates: ['xs'] // g may change x, an item of xs
  },
  { construct: 'walrus as call argument', code: 'print(n := 10)\nprint(n)', writes: ['n'] },
  { construct: 'comprehension scope', code: 'sq = [i * k for i in range(n)]', reads: ['k', 'n'], writes: ['sq'] },
  {
    construct: 'dict comprehension, method call on the iterable',
    code: 'inv = {v: k for k, v in mapping.pop_items()}',
    reads: ['mapping'],
    writes: ['inv'],
    mutates: ['mapping']
  },
  { construct: 'generator expression argument', code: 'total = sum(x * w for x in xs)', reads: ['w', 'xs'], writes: ['total'] },
  { construct: 'for target leaks', code: 'for i in range(3):\n    acc.append(i)', reads: ['acc'], writes: ['i'], mutates: ['acc'] },
  { construct: 'for target bound inside its body', code: 'for row in rows:\n    print(row)', reads: ['rows'], writes: ['row'] },
  {
    construct: 'with target',
    code: 'with open(p) as fh:\n    text = fh.read()',
    reads: ['p'],
    writes: ['fh', 'text'],
    mutates: ['fh', 'p']
  },
  {
    construct: 'except target is unbound after the handler',
    code: 'try:\n    v = int(s)\nexcept ValueError as err:\n    v = 0\n    print(err)',
    reads: ['s'],
    writes: ['v']
  },
  { construct: 'if/else binding in both branches', code: 'if c:\n    x = 1\nelse:\n    x = 2\nprint(x)', reads: ['c'], writes: ['x'] },
  { construct: 'if without else: maybe bound', code: 'if c:\n    x = 1\nprint(x)', reads: ['c', 'x'], writes: ['x'] },
  {
    construct: 'imports of every form',
    code: 'import os, a.b.c\nfrom x import y as z\nfrom . import rel\nfrom ..pkg.mod import (p, q as r)\nimport numpy as np',
    declarations: ['a', 'np', 'os', 'p', 'r', 'rel', 'z']
  },
  {
    construct: 'try/except ImportError around imports is one declaration',
    code: 'try:\n    import ujson as json\nexcept ImportError:\n    import json',
    declarations: ['json']
  },
  {
    construct: 'def: decorators, defaults and annotations read now, body later',
    code: '@cache(size)\ndef f(a: T = D, *args, b=E, **kw) -> R:\n    return a + G',
    reads: ['D', 'E', 'R', 'T', 'cache', 'size'],
    mutates: ['size'],
    declarations: ['f'],
    uses: ['D', 'E', 'G', 'R', 'T', 'cache', 'size']
  },
  {
    construct: 'class: bases read now; class scope invisible to methods',
    code: 'class M(Base, metaclass=Meta):\n    k = 1\n    def g(self):\n        return k',
    reads: ['Base', 'Meta'],
    declarations: ['M'],
    uses: ['Base', 'Meta', 'k']
  },
  { construct: 'class body runs in order', code: 'class A:\n    x = x\n    y = 1\n    z = y', reads: ['x'], declarations: ['A'], uses: ['x'] },
  { construct: 'lambda scope', code: 'f = lambda x, y=d: x + y + z', reads: ['d', 'z'], writes: ['f'] },
  {
    construct: 'closure: enclosing function names are not module names',
    code: 'def outer():\n    v = 1\n    def inner():\n        return v + w\n    return inner',
    declarations: ['outer'],
    uses: ['w']
  },
  {
    construct: 'global write inside a function',
    code: 'def bump():\n    global counter\n    counter += 1',
    declarations: ['bump'],
    uses: ['counter'],
    declarationMutates: ['counter']
  },
  {
    construct: 'nonlocal',
    code: 'def o():\n    c = 0\n    def i():\n        nonlocal c\n        c += 1\n    return i',
    declarations: ['o'],
    uses: []
  },
  {
    construct: 'in-place change of a module name inside a function',
    code: 'def log(msg):\n    history.append(msg)',
    declarations: ['log'],
    uses: ['history'],
    declarationMutates: ['history']
  },
  { construct: 'del name', code: 'x = 1\ndel x', writes: [] },
  { construct: 'del of a name from before reads it', code: 'del x', reads: ['x'], writes: [] },
  { construct: 'del item', code: "del d['k']", reads: ['d'], mutates: ['d'] },
  {
    construct: 'match captures',
    code: "match cmd:\n    case Point(x=0, y=yy):\n        out = yy\n    case [a, *rest]:\n        out = a\n    case {'k': v, **kw} as whole:\n        out = v\n    case _:\n        out = None\nprint(out)",
    reads: ['Point', 'cmd'],
    writes: ['a', 'kw', 'out', 'rest', 'v', 'whole', 'yy']
  },
  { construct: 'f-strings', code: 'msg = f"{name!r:>{width}} {total=}"', reads: ['name', 'total', 'width'], writes: ['msg'] },
  { construct: 'type alias', code: 'type Vec[T] = list[T] | Other', declarations: ['Vec'], uses: ['Other'] },
  { construct: 'attribute assignment', code: 'obj.attr = 1', reads: ['obj'], mutates: ['obj'] },
  { construct: 'subscript assignment', code: "df['c'] = df['a'] * 2", reads: ['df'], mutates: ['df'] },
  { construct: 'method call', code: 'items.append(4)', reads: ['items'], mutates: ['items'] },
  { construct: 'method call on a chain', code: "df.groupby('k').sort()", reads: ['df'], mutates: ['df'] },
  { construct: 'read-only method chain', code: "m = df.groupby('k').mean()", reads: ['df'], writes: ['m'], mutates: [] },
  { construct: 'read-only method of a dict', code: 'inv = {v: k for k, v in mapping.items()}', reads: ['mapping'], writes: ['inv'], mutates: [] },
  {
    construct: 'inference leaves model and data alone',
    code: 'pred = model.predict(X_test)',
    reads: ['X_test', 'model'],
    writes: ['pred'],
    mutates: []
  },
  { construct: 'fitting changes the estimator, not the data', code: 'model.fit(X, y)', reads: ['X', 'model', 'y'], mutates: ['model'] },
  { construct: 'inplace= makes a read-only method change its object', code: 'df.dropna(inplace=True)', reads: ['df'], mutates: ['df'] },
  { construct: 'out= makes a method change its arguments', code: 'a.clip(0, 1, out=b)', reads: ['a', 'b'], mutates: ['a', 'b'] },
  { construct: 'unknown method changes object and arguments', code: 'x.frobnicate(y)', reads: ['x', 'y'], mutates: ['x', 'y'] },
  { construct: 'appending leaves the item alone', code: 'xs.append(item)', reads: ['item', 'xs'], mutates: ['xs'] },
  { construct: 'argument to a call', code: 'process(data)', reads: ['data', 'process'], mutates: ['data'] },
  { construct: 'argument to a pure builtin', code: 'print(len(data))', reads: ['data'], mutates: [] },
  { construct: 'shadowed pure builtin', code: 'len = my_len\nlen(data)', reads: ['data', 'my_len'], writes: ['len'], mutates: ['data'] },
  { construct: 'keyword argument names are not reads', code: 'f(alpha=beta)', reads: ['beta', 'f'], mutates: ['beta'] },
  { construct: 'starred arguments', code: 'f(*args, **kw)', reads: ['args', 'f', 'kw'], mutates: ['args', 'kw'] },
  { construct: 'generator function', code: 'def gen():\n    yield 1', declarations: ['gen'], generators: ['gen'] },
  {
    construct: 'async def, async for, await',
    code: 'async def main():\n    async for x in source():\n        await handle(x)',
    declarations: ['main'],
    uses: ['handle', 'source']
  },
  { construct: 'exec is opaque', code: 'exec(code)', reads: ['code'], mutates: ['code'], opaque: true, diagnostics: ['opaque-code'] },
  { construct: 'globals() is opaque', code: "globals()['x'] = 1", opaque: true, diagnostics: ['opaque-code'] },
  { construct: 'vars(obj) is not opaque', code: 'vars(obj)', reads: ['obj'], mutates: ['obj'], opaque: false },
  { construct: 'import *', code: 'from m import *', bindsUnknownNames: true, diagnostics: ['opaque-code'] },
  {
    construct: 'line magics and shell escapes are skipped',
    code: '%matplotlib inline\nx = 1\n!pip install foo\nfiles = !ls\n  %time y = slow(x)',
    writes: ['files', 'x'],
    diagnostics: ['magic']
  },
  { construct: 'non-Python cell magic', code: '%%bash\necho $x', writes: [], diagnostics: ['magic'] },
  { construct: 'Python cell magic', code: '%%time\ny = x + 1', reads: ['x'], writes: ['y'], diagnostics: ['magic'] },
  { construct: '% continuation line is modulo, not a magic', code: 'msg = ("%s"\n% name)', reads: ['name'], writes: ['msg'] },
  { construct: '%run may define anything', code: '%run helpers.py', bindsUnknownNames: true, diagnostics: ['magic'] },
  { construct: 'unicode identifiers', code: 'données = 1\nrésultat = données * π', reads: ['π'], writes: ['données', 'résultat'] },
  { construct: 'builtins are loads, not reads', code: 'print(sorted([3, 1]))', reads: [] },
  // aliases: a change through another name for the same value (aliases.ts)
  { construct: 'alias: a name bound to a name', code: 'ys = xs\nys.append(2)', reads: ['xs'], writes: ['ys'], mutates: ['xs', 'ys'] },
  { construct: 'alias of a subscript chain', code: 'm = d["l"][0]\nm.append(1)', reads: ['d'], writes: ['m'], mutates: ['d', 'm'] },
  { construct: 'alias of an attribute chain', code: 'w = model.layers\nw.pop()', reads: ['model'], writes: ['w'], mutates: ['model', 'w'] },
  { construct: 'alias of an alias', code: 'ys = xs\nzs = ys\nzs.append(1)', reads: ['xs'], writes: ['ys', 'zs'], mutates: ['xs', 'ys', 'zs'] },
  { construct: 'alias by `or`', code: 'ys = xs or []\nys.append(1)', reads: ['xs'], writes: ['ys'], mutates: ['xs', 'ys'] },
  { construct: 'alias: unpacking pairs items', code: 'a, b = xs, ys\nb.append(1)', reads: ['xs', 'ys'], writes: ['a', 'b'], mutates: ['b', 'ys'] },
  {
    construct: 'alias: unpacking a name binds its items',
    code: 'a, b = pair\na.append(1)',
    reads: ['pair'],
    writes: ['a', 'b'],
    mutates: ['a', 'pair']
  },
  { construct: 'alias by walrus', code: 'if (z := xs):\n    z.append(1)', reads: ['xs'], writes: ['z'], mutates: ['xs', 'z'] },
  { construct: 'alias by with ... as', code: 'with lock as l:\n    l.acquire()', reads: ['lock'], writes: ['l'], mutates: ['l', 'lock'] },
  { construct: 'alias: passing it to a call', code: 'ys = xs\nprocess(ys)', reads: ['process', 'xs'], writes: ['ys'], mutates: ['xs', 'ys'] },
  { construct: 'alias: augmented assignment keeps it', code: 'ys = xs\nys += [1]', reads: ['xs'], writes: ['ys'], mutates: ['xs', 'ys'] },
  { construct: 'alias: read-only methods stay trusted', code: 'ys = df\nprint(ys.head())', reads: ['df'], writes: ['ys'], mutates: [] },
  {
    construct: 'alias inside a function',
    code: 'def grow():\n    ys = xs\n    ys.append(1)',
    declarations: ['grow'],
    uses: ['xs'],
    declarationMutates: ['xs']
  },
  {
    construct: 'alias: match captures share the subject',
    code: 'match cfg:\n    case {"layers": layers}:\n        layers.append(1)',
    reads: ['cfg'],
    writes: ['layers'],
    mutates: ['cfg', 'layers']
  },
  { construct: 'no alias: a call', code: 'ys = list(xs)\nys.append(1)', reads: ['xs'], writes: ['ys'], mutates: ['ys'] },
  { construct: 'no alias: a method call', code: 'df2 = df.copy()\ndf2["c"] = 1', reads: ['df'], writes: ['df2'], mutates: ['df2'] },
  { construct: 'no alias: a literal', code: 'ys = [xs]\nys.append(1)', reads: ['xs'], writes: ['ys'], mutates: ['ys'] },
  { construct: 'no alias: an operator', code: 'ys = xs + []\nys.append(1)', reads: ['xs'], writes: ['ys'], mutates: ['ys'] },
  { construct: 'rebinding ends the alias', code: 'ys = xs\nys = []\nys.append(1)', reads: ['xs'], writes: ['ys'], mutates: ['ys'] },
  { construct: 'del ends the alias', code: 'ys = xs\ndel ys\nys = []\nys.append(1)', reads: ['xs'], writes: ['ys'], mutates: ['ys'] },
  {
    construct: 'a rebinding that may not run keeps the alias',
    code: 'ys = xs\nif c:\n    ys = []\nys.append(1)',
    reads: ['c', 'xs'],
    writes: ['ys'],
    mutates: ['xs', 'ys']
  },
  // loop and comprehension targets are bound to items of what they iterate
  {
    construct: 'for target changes the iterated list',
    code: 'for row in rows:\n    row["x"] += 10',
    reads: ['rows'],
    writes: ['row'],
    mutates: ['row', 'rows']
  },
  {
    construct: 'for over enumerate()',
    code: 'for i, row in enumerate(rows):\n    row.append(i)',
    reads: ['rows'],
    writes: ['i', 'row'],
    mutates: ['row', 'rows']
  },
  { construct: 'for over dict.items()', code: 'for k, v in d.items():\n    v.append(k)', reads: ['d'], writes: ['k', 'v'], mutates: ['d', 'v'] },
  {
    construct: 'for over zip() with nested targets',
    code: 'for i, (a, b) in enumerate(zip(xs, ys)):\n    a.append(i)',
    reads: ['xs', 'ys'],
    writes: ['a', 'b', 'i'],
    mutates: ['a', 'xs', 'ys']
  },
  {
    construct: 'for over sorted() changes the items',
    code: 'for x in sorted(items):\n    x.y = 1',
    reads: ['items'],
    writes: ['x'],
    mutates: ['items', 'x']
  },
  {
    construct: 'nested for',
    code: 'for row in grid:\n    for cell in row:\n        cell.append(0)',
    reads: ['grid'],
    writes: ['cell', 'row'],
    mutates: ['cell', 'grid', 'row']
  },
  {
    construct: 'for: an alias bound late in the body is changed on the next pass',
    code: 'prev = None\nfor x in items:\n    if prev:\n        prev.append(x)\n    prev = x',
    reads: ['items'],
    writes: ['prev', 'x'],
    mutates: ['items', 'prev', 'x']
  },
  { construct: 'for over range(n) aliases nothing', code: 'for i in range(len(xs)):\n    i += 1', reads: ['xs'], writes: ['i'], mutates: ['i'] },
  {
    construct: 'for over a call: the function is not changed',
    code: 'for b in batches(data):\n    b.clear()',
    reads: ['batches', 'data'],
    writes: ['b'],
    mutates: ['b', 'data']
  },
  { construct: 'list comprehension target', code: '_ = [l.append(0) for l in lists]', reads: ['lists'], writes: ['_'], mutates: ['lists'] },
  { construct: 'set comprehension target', code: '{s.add(0) for s in sets}', reads: ['sets'], mutates: ['sets'] },
  { construct: 'dict comprehension target', code: 'last = {k: v.pop() for k, v in d.items()}', reads: ['d'], writes: ['last'], mutates: ['d'] },
  { construct: 'generator expression target', code: 'any(x.update(y) for x in xs)', reads: ['xs', 'y'], mutates: ['xs'] },
  { construct: 'nested comprehension targets', code: '[[c.append(1) for c in row] for row in grid]', reads: ['grid'], mutates: ['grid'] },
  {
    construct: 'comprehension over range(n) aliases nothing',
    code: 'bits = [i.bit_length() for i in range(n)]',
    reads: ['n'],
    writes: ['bits'],
    mutates: []
  },
  // calls of the notebook's own functions change only what those functions change (notebookFunctions.ts)
  {
    construct: 'a pure function call does not change its argument',
    code: 'def first(rows):\n    return rows[0] + len(rows)\nn = first(data)',
    reads: ['data'],
    writes: ['n'],
    declarations: ['first'],
    changedParameters: { first: [] }
  },
  {
    construct: 'a function appending to its parameter changes the argument',
    code: 'def add(rows, row):\n    rows.append(row)\nadd(data, item)',
    reads: ['data', 'item'],
    mutates: ['data'],
    declarations: ['add'],
    changedParameters: { add: ['rows'] }
  },
  {
    construct: 'keyword arguments bind by name',
    code: 'def f(a, b):\n    b.append(1)\n    return len(a)\nf(b=x, a=y)',
    reads: ['x', 'y'],
    mutates: ['x'],
    declarations: ['f'],
    changedParameters: { f: ['b'] }
  },
  {
    construct: 'a pure call in a generator expression (the example notebook)',
    code: 'def predict(w, x):\n    return w[0] + w[1] * x\ng = sum(2 * (predict(weights, x) - y) for x, y in rows)',
    reads: ['rows', 'weights'],
    writes: ['g'],
    declarations: ['predict'],
    changedParameters: { predict: [] }
  },
  {
    construct: 'through another notebook function that changes it',
    code: 'def inner(xs):\n    xs.sort()\ndef outer(ys, n):\n    inner(ys)\n    return n + 1\nouter(data, k)',
    reads: ['data', 'k'],
    mutates: ['data'],
    declarations: ['inner', 'outer'],
    changedParameters: { inner: ['xs'], outer: ['ys'] }
  },
  {
    construct: 'through another notebook function that does not',
    code: 'def inner(xs):\n    return xs[0] * 2\ndef outer(ys):\n    return inner(ys)\nouter(data)',
    reads: ['data'],
    declarations: ['inner', 'outer'],
    changedParameters: { inner: [], outer: [] }
  },
  {
    construct: 'recursion alone changes nothing',
    code: 'def depth(node, seen):\n    if node in seen:\n        return 0\n    return 1 + max(depth(c, seen) for c in node.children)\ndepth(tree, visited)',
    reads: ['tree', 'visited'],
    declarations: ['depth'],
    changedParameters: { depth: [] }
  },
  {
    construct: 'mutual recursion that changes the argument',
    code: 'def even(xs, n):\n    return n == 0 or odd(xs, n - 1)\ndef odd(xs, n):\n    xs.append(n)\n    return even(xs, n - 1)\neven(data, 3)',
    reads: ['data'],
    mutates: ['data'],
    declarations: ['even', 'odd'],
    changedParameters: { even: ['xs'], odd: ['xs'] }
  },
  {
    construct: 'rebinding the parameter first',
    code: 'def grow(xs):\n    xs = list(xs)\n    xs.append(1)\n    return len(xs)\ngrow(data)',
    reads: ['data'],
    declarations: ['grow'],
    changedParameters: { grow: [] }
  },
  {
    construct: 'a rebinding of the parameter that may not run',
    code: 'def grow(xs, copy):\n    if copy:\n        xs = list(xs)\n    xs.append(1)\ngrow(data, True)',
    reads: ['data'],
    mutates: ['data'],
    declarations: ['grow'],
    changedParameters: { grow: ['xs'] }
  },
  {
    construct: "changing the parameter's items through a loop target",
    code: 'def mark(rows):\n    for r in rows:\n        r["x"] = 1\nmark(table)',
    reads: ['table'],
    mutates: ['table'],
    declarations: ['mark'],
    changedParameters: { mark: ['rows'] }
  },
  {
    construct: 'changing the parameter through an alias and del of an item',
    code: 'def drop(d):\n    inner = d["k"]\n    del inner[0]\ndrop(config)',
    reads: ['config'],
    mutates: ['config'],
    declarations: ['drop'],
    changedParameters: { drop: ['d'] }
  },
  {
    construct: '*args and **kwargs in the signature: conservative',
    code: 'def f(*args, **kwargs):\n    return len(args)\nf(a, key=b)',
    reads: ['a', 'b'],
    mutates: ['a', 'b'],
    declarations: ['f'],
    changedParameters: { f: [] }
  },
  {
    construct: '*args and **kwargs at the call: conservative, and positions after them',
    code: 'def f(a, b=None, c=None):\n    return a is b\nf(x, *xs, y, c=z, **kw)',
    reads: ['kw', 'x', 'xs', 'y', 'z'],
    mutates: ['kw', 'xs', 'y'],
    declarations: ['f'],
    changedParameters: { f: [] }
  },
  {
    construct: 'a keyword no parameter takes: conservative',
    code: 'def f(a, /, b):\n    return a == b\nf(x, b=y)\nf(a=z)',
    reads: ['x', 'y', 'z'],
    mutates: ['z'],
    declarations: ['f'],
    changedParameters: { f: [] }
  },
  {
    construct: 'a rebound function name: conservative',
    code: 'def first(xs):\n    return xs[0]\nif c:\n    first = other\nfirst(data)',
    reads: ['c', 'data', 'other'],
    writes: ['first'],
    mutates: ['data'],
    declarations: ['first']
  },
  {
    construct: 'a decorated function: conservative',
    code: '@cache\ndef first(xs):\n    return xs[0]\nfirst(data)',
    reads: ['cache', 'data'],
    mutates: ['data'],
    declarations: ['first']
  },
  {
    construct: 'a parameter passed to an unknown function, or called',
    code: 'def f(fn, xs, ys):\n    helper(xs)\n    return fn(ys)\nf(g, a, b)',
    reads: ['a', 'b', 'g'],
    mutates: ['a', 'b'],
    declarations: ['f'],
    uses: ['helper'],
    changedParameters: { f: ['xs', 'ys'] }
  },
  {
    construct: 'a parameter given to a trusted method',
    code: 'def train(model, X):\n    model.fit(X)\n    return model.score(X)\ntrain(m, data)',
    reads: ['data', 'm'],
    mutates: ['m'],
    declarations: ['train'],
    changedParameters: { train: ['model'] }
  },
  {
    construct: 'a returned parameter escapes: the caller may change the result',
    code: 'def same(xs, n):\n    return xs if n else xs[1:]\nys = same(data, k)\nys.append(1)',
    reads: ['data', 'k'],
    writes: ['ys'],
    mutates: ['data', 'ys'],
    declarations: ['same'],
    changedParameters: { same: ['xs'] }
  },
  {
    construct: 'yielded, kept in a global, or used by a nested function: escapes',
    code: 'def gen(xs):\n    yield from xs\ndef keep(xs):\n    global kept\n    kept = xs\ndef make(xs, n):\n    def get():\n        return xs\n    return get\ngen(a)\nkeep(b)\nmake(c, d)',
    reads: ['a', 'b', 'c', 'd'],
    mutates: ['a', 'b', 'c'],
    declarations: ['gen', 'keep', 'make'],
    generators: ['gen'],
    declarationMutates: ['kept'],
    changedParameters: { gen: ['xs'], keep: ['xs'], make: ['xs'] }
  },
  {
    construct: 'returned in a container, or kept as a default of a nested function: escapes',
    code: 'def wrap(a, b, c, n):\n    return {"rows": a, "n": len(b)}, [*c], n + 1\ndef bind(xs):\n    return lambda ys=xs: ys\nwrap(p, q, r, k)\nbind(s)',
    reads: ['k', 'p', 'q', 'r', 's'],
    mutates: ['p', 'r', 's'],
    declarations: ['bind', 'wrap'],
    changedParameters: { wrap: ['a', 'c'], bind: ['xs'] }
  },
  {
    construct: 'returned items escape: a comprehension holding them, a builtin handing them on',
    code: 'def pick(rows, k):\n    return [r for r in rows if r["k"] == k]\ndef order(rows):\n    return sorted(rows, key=len)\ndef total(rows, w):\n    return sum(len(r) * w[0] for r in rows)\npick(a, b)\norder(c)\ntotal(d, e)',
    reads: ['a', 'b', 'c', 'd', 'e'],
    mutates: ['a', 'c'],
    declarations: ['order', 'pick', 'total'],
    changedParameters: { pick: ['rows'], order: ['rows'], total: [] }
  },
  {
    construct: 'a lambda or nested function: conservative',
    code: 'first = lambda xs: xs[0]\ndef outer(data):\n    def inner(xs):\n        return xs[0]\n    return inner(data)\nfirst(a)\nouter(b)',
    reads: ['a', 'b'],
    writes: ['first'],
    mutates: ['a', 'b'],
    declarations: ['outer'],
    changedParameters: { outer: ['data'] }
  }
];

const withoutBuiltins = (names: string[]): string[] => names.filter(name => !BUILTINS.has(name));

describe('cell facts: one row per construct', () => {
  test.each(rows)('$construct', row => {
    // Calls of the cell's own functions resolved as in a one-cell notebook.
    const facts = resolveCallPasses([analyzeCell(row.code, { prelude: false })])[0]!;
    const summary = summarizeCell(0, facts);
    expect(withoutBuiltins(summary.reads)).toEqual(row.reads ?? []);
    expect(summary.writes).toEqual(row.writes ?? []);
    expect(summary.mutates).toEqual(row.mutates ?? []);
    expect(summary.declarations).toEqual(row.declarations ?? []);
    if (row.uses) {
      const uses = new Set(facts.declarations.flatMap(d => d.uses));
      expect(withoutBuiltins([...uses].sort())).toEqual(row.uses);
    }
    expect([...new Set(facts.declarations.flatMap(d => d.mutates))].sort()).toEqual(row.declarationMutates ?? []);
    expect(facts.declarations.flatMap(d => d.generators)).toEqual(row.generators ?? []);
    if (row.changedParameters) {
      const changes = [...parameterChanges([facts])].map(([name, { facts: fn, changed }]) => [
        name,
        fn.parameters.filter((_, i) => changed[i]).map(p => p.name)
      ]);
      expect(Object.fromEntries(changes)).toEqual(row.changedParameters);
    }
    expect(facts.opaque).toBe(row.opaque ?? false);
    expect(facts.bindsUnknownNames).toBe(row.bindsUnknownNames ?? false);
    expect(facts.diagnostics.map(d => d.code)).toEqual(row.diagnostics ?? []);
  });
});

describe('cell facts: positions and values', () => {
  test('sites carry 1-based line and column', () => {
    const facts = analyzeCell('x = 1\nprint(  y)', { prelude: false });
    expect(facts.loads.find(l => l.name === 'y')).toMatchObject({ line: 2, column: 9 });
  });

  test('syntax errors are reported with their position; the rest is still analysed', () => {
    const facts = analyzeCell('a = 1\nb = (\nc = a + d', { prelude: false });
    const error = facts.diagnostics.find(d => d.code === 'syntax-error');
    expect(error).toMatchObject({ severity: 'error', line: expect.any(Number) });
    expect(summarizeCell(0, facts).writes).toContain('a');
  });

  test.each([
    ['x = 1', 'immutable'],
    ["x = 'a' 'b'", 'immutable'],
    ['x = -1.5', 'immutable'],
    ['x = (1, "a")', 'immutable'],
    ['x = [1]', 'unknown'],
    ['x = lambda: 1', 'lambda'],
    ['x = (i for i in y)', 'generator'],
    ['x = open(p)', 'file'],
    ['x = gzip.open(p)', 'file'],
    ['x = make(p)', 'call']
  ])('value kind of %s is %s', (code, kind) => {
    const binding = analyzeCell(code, { prelude: false }).bindings.find(b => b.name === 'x');
    expect(binding?.value).toBe(kind);
  });

  test('in a prelude cell every statement is a declaration', () => {
    const facts = analyzeCell('import os\nSEED = 42\nwarnings.filterwarnings("ignore")', { prelude: true });
    expect(facts.declarations.map(d => d.names)).toEqual([['os'], ['SEED'], []]);
    expect(facts.declarations[2].uses).toEqual(['warnings']);
  });
});
