import { formatMetric } from './formatMetric';

describe('formatMetric', () => {
  it.each([
    [0.9123456789012345, '0.9123'],
    [0.5, '0.5'],
    [12.3456789, '12.35'],
    [123456.789, '123457'],
    [42, '42'],
    [-0.000123456, '-0.0001235'],
    [0.0000001234567, '1.235e-7'],
    [3e12 + 0.5, '3e+12'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity']
  ])('shows %p as %s', (value, text) => {
    expect(formatMetric(value)).toBe(text);
  });
});
