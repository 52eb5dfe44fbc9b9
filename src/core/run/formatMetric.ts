/** Significant digits a metric shows; its full value goes in a tooltip. */
export const METRIC_DIGITS = 4;

/** A metric as people read it: 0.9123 rather than 0.9123456789012345, 1.235e-7 rather than 0.0000001234567. */
export function formatMetric(value: number, digits: number = METRIC_DIGITS): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e15) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e9)) {
    return value.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  }
  if (magnitude >= 10 ** digits) {
    return String(Math.round(value)); // the integer part in full: 123457, not 123500
  }
  // toPrecision, then without the zeros it pads with (and never in exponent form here).
  return String(Number(value.toPrecision(digits)));
}
