import { notebookJson, step, type CellSpec } from '../__fixtures__/notebookBuilder';
import { parseNotebook } from '../notebook';
import { buildPipeline } from './build';
import { analyzeNotebook } from '../analysis';

const make = step('make', 'folds = [1, 2, 3]\nscores = []\nbest = {}\nseen = set()');

function notebookOf(...cells: CellSpec[]) {
  return notebookJson([make, ...cells, step('after', 'print(scores, best, seen)')]);
}

function analyse(...cells: CellSpec[]) {
  return analyzeNotebook(notebookOf(...cells));
}

function problems(...cells: CellSpec[]): string[] {
  return analyse(...cells)
    .diagnostics.filter(d => d.severity === 'error')
    .map(d => `${d.code}@${d.line}`);
}

describe('foreach: steps', () => {
  it('records the list, its accumulators and the limit of a loop whose items are independent', () => {
    const loop = 'for i, fold in enumerate(folds):\n    s = fold * 2\n    scores.append(s)\n    best[i] = s\n    seen.add(s)\n    print(i, s)';
    const cell = step('train', loop, 'foreach:folds:2');
    const result = analyse(cell);
    expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    const train = result.steps.find(s => s.name === 'train')!;
    expect(train.fanOut).toEqual({ over: 'folds', parallelism: 2, accumulators: ['best', 'scores', 'seen'] });
    const pipeline = buildPipeline(parseNotebook(notebookOf(cell)).notebook!, result);
    expect(pipeline.steps.find(s => s.name === 'train')!.fanOut).toEqual({
      over: 'folds',
      from: 'make',
      parallelism: 2,
      accumulators: ['best', 'scores', 'seen']
    });
    expect(pipeline.steps.find(s => s.name === 'make')!.itemLists).toEqual(['folds']);
  });

  it.each([
    ['a carried value', 'for f in folds:\n    total = total + f', 'foreach-carried@2'],
    ['an augmented assignment', 'for f in folds:\n    n = 0\n    n += f\n    scores.append(n)', null],
    ['a read accumulator', 'for f in folds:\n    if len(scores) < 2:\n        scores.append(f)', 'foreach-accumulator-read@2'],
    ['break', 'for f in folds:\n    if f:\n        break', 'foreach-loop@3'],
    ['an else clause', 'for f in folds:\n    pass\nelse:\n    print(1)', 'foreach-loop@3'],
    ['another iterable', 'for f in sorted(folds):\n    pass', 'foreach-loop@1'],
    ['code beside the loop', 'x = 1\nfor f in folds:\n    pass', 'foreach-loop@1'],
    ['a change of the list', 'for f in folds:\n    folds.append(f)', 'foreach-accumulator-read@2']
  ])('refuses %s with a diagnostic on its line', (_, loop, expected) => {
    const cells: CellSpec[] = [{ code: 'total = 0', tags: ['step:init'] }, step('train', loop, 'foreach:folds')];
    expect(problems(...cells)).toEqual(expected ? [expected] : []);
  });

  it('refuses a list that is a parameter, and a step of several cells', () => {
    const result = analyzeNotebook(
      notebookJson([
        { code: 'grid = [1, 2]', tags: ['pipeline-parameters'] },
        step('train', 'for g in grid:\n    print(g)', 'foreach:grid'),
        'print(1)'
      ])
    );
    expect(result.diagnostics.filter(d => d.severity === 'error').map(d => d.code)).toEqual(['foreach-cells', 'foreach-source']);
  });

  it('reads foreach tags strictly', () => {
    const result = analyzeNotebook(notebookJson([make, step('train', 'for f in folds:\n    pass', 'foreach:folds:0')]));
    expect(result.diagnostics.map(d => d.code)).toContain('invalid-tag');
  });
});
