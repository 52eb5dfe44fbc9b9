import { parsePython } from './python';
import type { Scope } from './scopes';
import { CellWalker } from './walker';
import type { BoundValue, WalkHooks } from './walkHooks';
import { WalkState } from './walkState';

/** Walks `code` with the given analyses plugged in; returns the walk's state at the end. */
function walk(code: string, ...analyses: WalkHooks[]): WalkState {
  const state = new WalkState(code);
  new CellWalker(state).walk(parsePython(code), analyses);
  return state;
}

/** An analysis that logs the events it is given, one line each. */
function logger(log: string[]): WalkHooks {
  const where = (scope: Scope): string => scope.kind;
  return {
    statementStarted: node => log.push(`start ${node.name}`),
    statementEnded: ({ bindings }) => log.push(`end (binds ${bindings.map(b => b.name).join(', ') || 'nothing'})`),
    nameBound: (name, scope, value) => log.push(`bind ${name} in ${where(scope)} to ${value.kind}`),
    nameChanged: change => log.push(`${change.kind} ${change.name}`),
    moduleNameUsed: use => log.push(`${use.kind} ${use.name}${use.deferred ? ' later' : ''}${use.bound ? ' (bound)' : ''}`),
    localNameUsed: (scope, use) => log.push(`${use.kind} ${use.name} local to ${where(scope)}`)
  };
}

describe('walker hooks', () => {
  test('definitions and references, resolved with Python scoping', () => {
    const log: string[] = [];
    walk(['x = 1', 'def f(a):', '    y = a + x', '    return y', 'squares = [x * x for x in range(3)]', 'print(x)'].join('\n'), logger(log));
    expect(log).toEqual([
      'start AssignStatement',
      'bind x in module to expression',
      'end (binds x)',
      'start FunctionDefinition',
      'bind y in function to expression',
      'bind f in module to new',
      // Names in a function body are resolved once the whole statement is read: `x` is the
      // module's, used when f runs; `a` and `y` are f's own.
      'load a local to function',
      'load x later (bound)',
      'load y local to function',
      'end (binds f)',
      'start AssignStatement',
      'load range',
      'bind x in comprehension to iterated',
      'bind squares in module to expression',
      'load x local to comprehension',
      'load x local to comprehension',
      'end (binds squares)',
      'start ExpressionStatement',
      'load print',
      'load x (bound)',
      'end (binds nothing)'
    ]);
  });

  test('changes in place: attribute and subscript stores, method calls, arguments of calls that may change them', () => {
    const log: string[] = [];
    walk(['rows.append(row)', 'model.fit(X)', 'frame.head()', 'd["k"] = v', 'del cache[key]', 'total += 1', 'save(frame, len(rows))'].join('\n'), {
      nameChanged: change => log.push(`${change.kind} ${change.name}${change.call ? ` (slot ${change.call.slot} of ${change.call.callee})` : ''}`)
    });
    expect(log).toEqual([
      'mutation rows', // `append` changes its object, not `row`
      'mutation model', // `fit` leaves X alone
      // `frame.head()` is read-only
      'mutation d',
      'mutation cache',
      'mutation total',
      'argument frame (slot 0 of save)' // `len` changes nothing; `save` may be a notebook function
    ]);
  });

  test('every analysis sees each event, in the order they are plugged in', () => {
    const log: string[] = [];
    const named = (name: string): WalkHooks => ({ nameBound: bound => log.push(`${name}: ${bound}`) });
    walk('a = 1\nimport b', named('first'), {}, named('second'));
    expect(log).toEqual(['first: a', 'second: a', 'first: b', 'second: b']);
  });

  test('a value is announced once where it is computed, then bound to each of its targets', () => {
    const evaluated: BoundValue[] = [];
    const bound: [string, BoundValue][] = [];
    walk('a = b = xs\nfor i, row in enumerate(rows): pass', {
      valueEvaluated: value => evaluated.push(value),
      nameBound: (name, _scope, value) => bound.push([name, value])
    });
    const [assigned] = evaluated;
    expect(assigned).toMatchObject({ kind: 'expression' });
    expect(bound.filter(([name]) => name === 'a' || name === 'b').map(([, value]) => value)).toEqual([assigned, assigned]);
    // Unpacking a loop's items: each target may get any item of what the loop iterates.
    const items = bound.filter(([name]) => name === 'i' || name === 'row').map(([, value]) => value);
    expect(items).toEqual([
      { kind: 'item', of: { kind: 'iterated', nodes: expect.any(Array) } },
      { kind: 'item', of: { kind: 'iterated', nodes: expect.any(Array) } }
    ]);
    expect(items[0]).toBe(items[1]);
  });

  test('the walk records module bindings, for sure or only maybe', () => {
    const state = walk('import numpy as np\nif flag:\n    x = 1\nelse:\n    x = 2\nfor i in range(3):\n    y = i');
    expect(state.bindings.list.map(b => [b.name, b.definite, b.module])).toEqual([
      ['np', true, 'numpy'],
      ['x', false, null],
      ['x', false, null],
      ['x', true, null], // bound in every branch: bound for sure after the `if`
      ['i', false, null],
      ['y', false, null]
    ]);
  });
});
