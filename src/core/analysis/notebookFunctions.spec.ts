/** Calls of the notebook's own functions, re-resolved as the notebook is edited (CallResolver). */
import { notebookJson, step, type CellSpec } from '../__fixtures__/notebookBuilder';
import { Analyzer } from './analyzer';

const PURE = 'def peek(xs):\n    return len(xs)';
const APPENDS = 'def peek(xs):\n    xs.append(0)\n    return len(xs)';
/** A library function that leaves its arguments alone (libraryFunctions.ts), and one cellpipe knows nothing of. */
const LIBRARY = 'from sklearn.model_selection import cross_val_score as peek';
const UNKNOWN_LIBRARY = 'from mylib import peek';

/** The notebook, with the helper defined by `helper` and `extra` as the last step's code. */
function notebook(helper: string, extra = 'print("done")', caller = 'n = peek(rows)'): CellSpec[] {
  return [{ code: helper, tags: ['functions'] }, step('a', 'rows = [1]'), step('b', caller), step('c', 'print(rows)'), step('d', extra)];
}

describe('calls of notebook functions, across edits', () => {
  const analyzer = new Analyzer();
  const cDependsOn = (cells: CellSpec[]): string[] => analyzer.analyze(notebookJson(cells)).steps.find(s => s.name === 'c')!.dependsOn;

  test('each edit is answered as a fresh analysis would', () => {
    expect(cDependsOn(notebook(PURE))).toEqual(['a']);
    expect(cDependsOn(notebook(PURE))).toEqual(['a']); // unchanged notebook
    expect(cDependsOn(notebook(APPENDS))).toEqual(['b']); // the helper now changes its argument
    expect(cDependsOn(notebook(PURE))).toEqual(['a']);
    expect(cDependsOn(notebook(PURE, 'peek = print'))).toEqual(['b']); // another cell rebinds it
    expect(cDependsOn(notebook(PURE, 'print(peek)'))).toEqual(['a']);
    expect(cDependsOn(notebook(PURE, 'exec("pass")'))).toEqual(['b']); // opaque code anywhere
    expect(cDependsOn(notebook(PURE, 'print(1)', 'n = peek(rows)\nm = len(rows)'))).toEqual(['a']); // an edit elsewhere
    expect(cDependsOn(notebook(PURE, 'print(1)', 'n = peek(xs=rows)'))).toEqual(['a']);
    expect(cDependsOn(notebook(PURE, 'print(1)', 'n = peek(*rows)'))).toEqual(['b']); // starred: conservative
    expect(cDependsOn(notebook(APPENDS, 'print(1)', 'n = peek(xs=rows)'))).toEqual(['b']);
  });

  test('a library function imported by name: each edit is answered as a fresh analysis would', () => {
    expect(cDependsOn(notebook(LIBRARY))).toEqual(['a']);
    expect(cDependsOn(notebook(UNKNOWN_LIBRARY))).toEqual(['b']); // the import now names another module
    expect(cDependsOn(notebook(LIBRARY))).toEqual(['a']);
    expect(cDependsOn(notebook(LIBRARY, 'peek = print'))).toEqual(['b']); // another cell rebinds it
    expect(cDependsOn(notebook(LIBRARY, 'peek.cache = {}'))).toEqual(['b']); // or changes it
    expect(cDependsOn(notebook(LIBRARY, 'print(peek)'))).toEqual(['a']);
    expect(cDependsOn(notebook(PURE, UNKNOWN_LIBRARY))).toEqual(['b']); // the def and an import of the name
  });

  test('a library function called through its module: each edit is answered as a fresh analysis would', () => {
    const THROUGH = 'from sklearn import metrics';
    const call = 'n = metrics.accuracy_score(rows, rows)';
    expect(cDependsOn(notebook(THROUGH, 'print(1)', call))).toEqual(['a']);
    expect(cDependsOn(notebook('import mylib.metrics as metrics', 'print(1)', call))).toEqual(['b']); // another module
    expect(cDependsOn(notebook(THROUGH, 'metrics = print', call))).toEqual(['b']); // another cell rebinds it
    expect(cDependsOn(notebook(THROUGH, 'metrics.accuracy_score = sorted', call))).toEqual(['b']); // or changes it
    expect(cDependsOn(notebook(THROUGH, 'print(1)', 'n = metrics.accuracy_score(rows, rows)\nm = metrics.not_a_metric(rows)'))).toEqual(['b']);
    expect(cDependsOn(notebook(THROUGH, 'print(1)', call))).toEqual(['a']);
  });

  test('a helper passing its parameter to a library function: each edit is answered as a fresh analysis would', () => {
    const HELPER = 'from sklearn.metrics import accuracy_score\ndef peek(xs):\n    return accuracy_score(xs, xs)';
    expect(cDependsOn(notebook(HELPER))).toEqual(['a']);
    expect(cDependsOn(notebook(HELPER, 'accuracy_score = print'))).toEqual(['b']); // another cell rebinds it
    expect(cDependsOn(notebook(HELPER.replace('sklearn.metrics', 'mylib')))).toEqual(['b']); // another module
    expect(cDependsOn(notebook(HELPER))).toEqual(['a']);
  });

  test('the same as a new analyzer, edit after edit', () => {
    const variants = [
      notebook(PURE),
      notebook(APPENDS),
      notebook(APPENDS, 'def other(xs):\n    return xs'),
      notebook(PURE, 'peek = 1'),
      notebook(LIBRARY),
      notebook(UNKNOWN_LIBRARY),
      notebook(LIBRARY, 'peek = 1'),
      notebook('from sklearn import metrics', 'print(1)', 'n = metrics.accuracy_score(rows, rows)'),
      notebook('from sklearn import metrics', 'metrics = 1', 'n = metrics.accuracy_score(rows, rows)')
    ];
    for (const cells of [...variants, ...variants.reverse()]) {
      const json = notebookJson(cells);
      expect(analyzer.analyze(json).steps).toEqual(new Analyzer().analyze(json).steps);
    }
  });
});
