import type { Parameter } from '../analysis';
import { ParameterValueError } from './parameterValues';
import { MAX_SWEEP_POINTS, parseSweepTexts, splitSweepValues, sweepPoints } from './sweepGrid';

const declared: Parameter[] = [
  { name: 'lr', type: 'float', default: 0.1, cell: 0, line: 1 },
  { name: 'depth', type: 'int', default: 3, cell: 0, line: 2 },
  { name: 'label', type: 'str', default: 'base', cell: 0, line: 3 },
  { name: 'layers', type: 'list', default: [64], cell: 0, line: 4 }
];

describe('splitSweepValues', () => {
  it('splits on commas, with \\, for a comma inside a value and \\\\ for a backslash', () => {
    expect(splitSweepValues('a,b\\,c,d\\\\,e')).toEqual(['a', 'b,c', 'd\\', 'e']);
    expect(splitSweepValues('one')).toEqual(['one']);
    expect(splitSweepValues('x\\y')).toEqual(['x\\y']);
  });
});

describe('parseSweepTexts', () => {
  it('reads each value by its parameter type', () => {
    expect(parseSweepTexts(declared, ['lr=0.1,0.01', 'depth=2,4'])).toEqual({ lr: [0.1, 0.01], depth: [2, 4] });
  });

  it('takes a JSON list as the values, so a value may hold a comma', () => {
    expect(parseSweepTexts(declared, ['label=["a,b", "c"]', 'lr=[0.1, 0.01]'])).toEqual({ label: ['a,b', 'c'], lr: [0.1, 0.01] });
    expect(parseSweepTexts(declared, ['layers=[[64], [64, 32]]'])).toEqual({ layers: [[64], [64, 32]] });
  });

  it('keeps escaped commas in text values', () => {
    expect(parseSweepTexts(declared, ['label=a\\,b,c'])).toEqual({ label: ['a,b', 'c'] });
  });

  it('names the parameter and the bad value', () => {
    expect(() => parseSweepTexts(declared, ['depth=2,x'])).toThrow(
      new ParameterValueError("parameter depth: 'x' is not a whole number (the default is 3)")
    );
    expect(() => parseSweepTexts(declared, ['rate=1,2'])).toThrow(
      /cannot sweep 'rate': the notebook has no such parameter \(its parameters: lr, depth, label, layers\)/
    );
    expect(() => parseSweepTexts(declared, ['lr'])).toThrow(/NAME=V1,V2/);
    expect(() => parseSweepTexts(declared, ['lr=1', 'lr=2'])).toThrow(/swept twice/);
  });
});

describe('sweepPoints', () => {
  it('is the cartesian product, the first parameter varying slowest', () => {
    expect(sweepPoints(declared, { lr: [0.1, 0.01], depth: [2, 4, 8] })).toEqual([
      { lr: 0.1, depth: 2 },
      { lr: 0.1, depth: 4 },
      { lr: 0.1, depth: 8 },
      { lr: 0.01, depth: 2 },
      { lr: 0.01, depth: 4 },
      { lr: 0.01, depth: 8 }
    ]);
  });

  it('checks typed values (the service, JSON lists) against the parameter type', () => {
    expect(() => sweepPoints(declared, { depth: [2, 'deep'] })).toThrow(/parameter depth: "deep" is not of type int/);
    expect(() => sweepPoints(declared, { layers: [1, 2] })).toThrow(/parameter layers: 1 is not of type list/);
  });

  it('refuses an empty sweep, a value listed twice, a swept parameter also set, too many points', () => {
    expect(() => sweepPoints(declared, {})).toThrow(/at least one parameter/);
    expect(() => sweepPoints(declared, { lr: [] })).toThrow(/parameter lr: a sweep needs at least one value/);
    expect(() => sweepPoints(declared, { lr: [0.1, 0.1] })).toThrow(/the value 0.1 is listed twice/);
    expect(() => sweepPoints(declared, { lr: [0.1] }, { lr: 0.2 })).toThrow(/both set and swept/);
    const many = Array.from({ length: 17 }, (_, i) => i);
    expect(() => sweepPoints(declared, { depth: many, lr: many })).toThrow(new RegExp(`289 points, more than ${MAX_SWEEP_POINTS}`));
  });
});
