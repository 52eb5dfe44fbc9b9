import type { Parameter } from '../core/analysis';
import { typeSweepTexts } from './sweepTexts';

const declared: Parameter[] = [
  { name: 'lr', type: 'float', default: 0.1, cell: 0, line: 1 },
  { name: 'depth', type: 'int', default: 3, cell: 0, line: 2 },
  { name: 'label', type: 'str', default: 'base', cell: 0, line: 3 }
];

describe('typeSweepTexts', () => {
  it('reads each field by its parameter type and counts the grid points; blank fields are not swept', () => {
    expect(typeSweepTexts(declared, { lr: '0.1, 0.01', depth: '2,4,8', label: ' ' })).toEqual({
      grid: { lr: [0.1, 0.01], depth: [2, 4, 8] },
      errors: {},
      points: 6,
      problem: null
    });
  });

  it('trims text values after their commas, keeps escaped commas and JSON lists as written', () => {
    expect(typeSweepTexts(declared, { label: 'a\\,b, c' }).grid).toEqual({ label: ['a,b', 'c'] });
    expect(typeSweepTexts(declared, { label: '[" a", "b"]' }).grid).toEqual({ label: [' a', 'b'] });
  });

  it('says what is wrong per parameter, and starts nothing while a field is wrong', () => {
    const typed = typeSweepTexts(declared, { lr: '0.1, fast', depth: '2, 2', label: 'x' });
    expect(typed.errors).toEqual({
      lr: "parameter lr: ' fast' is not a number (the default is 0.1)",
      depth: 'parameter depth: the value 2 is listed twice in its sweep'
    });
    expect(typed.points).toBe(0);
  });

  it('refuses a grid of too many points as a whole', () => {
    const many = Array.from({ length: 20 }, (_, i) => String(i)).join(',');
    const typed = typeSweepTexts(declared, { depth: many, label: many });
    expect([typed.points, typed.problem]).toEqual([0, expect.stringMatching(/400 points, more than 256/)]);
  });
});
