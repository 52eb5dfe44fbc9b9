import type { Parameter } from '../core/analysis';
import { typeParameterTexts } from './parameterTexts';

function parameter(name: string, type: string, value: unknown): Parameter {
  return { name, type, default: value, cell: 0, line: 1 };
}

describe('typeParameterTexts', () => {
  const declared = [
    parameter('epochs', 'int', 5),
    parameter('rate', 'float', 0.1),
    parameter('name', 'str', 'base'),
    parameter('layers', 'list', [8])
  ];

  it('reads each text by the type of its parameter', () => {
    expect(typeParameterTexts(declared, { epochs: '10', rate: '1', name: '10', layers: '[16, 8]' })).toEqual({
      values: { epochs: 10, rate: 1, name: '10', layers: [16, 8] },
      errors: {}
    });
  });

  it('names each text that does not fit, and keeps the others', () => {
    const typed = typeParameterTexts(declared, { epochs: '2.5', rate: '0.3', layers: '[16,' });
    expect(typed.values).toEqual({ rate: 0.3 });
    expect(Object.keys(typed.errors)).toEqual(['epochs', 'layers']);
    expect(typed.errors.epochs).toBe("parameter epochs: '2.5' is not a whole number (the default is 5)");
  });

  it('leaves out texts of parameters the notebook does not declare', () => {
    expect(typeParameterTexts(declared, { seed: '1' })).toEqual({ values: {}, errors: {} });
  });
});
