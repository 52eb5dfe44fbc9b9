import { runState } from '../__fixtures__/runStates';
import type { Parameter } from '../core/analysis';
import { changedParameters, parameterText } from './runParameters';

const declared: Parameter[] = [
  { name: 'epochs', type: 'int', default: 5, cell: 0, line: 1 },
  { name: 'rate', type: 'float', default: 0.1, cell: 0, line: 2 },
  { name: 'name', type: 'str', default: 'base', cell: 0, line: 3 }
];

describe('changedParameters', () => {
  it("lists only the values that differ from the notebook's defaults, in the notebook's order", () => {
    const run = runState('r1', [], { parameters: { name: 'wide', epochs: 5, rate: 0.5 } });
    expect(changedParameters(run, declared)).toEqual(['rate=0.5', 'name=wide']);
  });

  it('lists nothing for a run with the defaults', () => {
    expect(changedParameters(runState('r1', [], { parameters: { epochs: 5, rate: 0.1, name: 'base' } }), declared)).toEqual([]);
  });

  it('keeps a parameter the notebook no longer declares', () => {
    expect(changedParameters(runState('r1', [], { parameters: { epochs: 5, layers: [2, 3] } }), declared)).toEqual(['layers=[2,3]']);
  });
});

describe('parameterText', () => {
  it('shows text as it is and other values as JSON', () => {
    expect(parameterText('a b')).toBe('a b');
    expect(parameterText(true)).toBe('true');
    expect(parameterText(undefined)).toBe('');
  });
});
