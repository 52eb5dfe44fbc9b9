import { parsePython } from './python';
import { resultName } from './resultName';

const of = (code: string): string | null => resultName(parsePython(code), code);

describe('the bare name a cell shows as its result', () => {
  test.each([
    ['x = 1\nmodel', 'model'],
    ['model  # the fitted model', 'model'],
    ['model\n# the end\n', 'model'],
    ['x = 1; model', 'model']
  ])('%j shows %s', (code, name) => {
    expect(of(code)).toBe(name);
  });

  test.each(['model;', 'model.coef_', '(model)', 'a, b', 'print(model)', 'model = fit()', 'model\nx = 1', ''])('%j shows no bare name', code => {
    expect(of(code)).toBeNull();
  });
});
