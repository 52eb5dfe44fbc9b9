import { clampZoom, fitZoom, MAX_ZOOM, MIN_ZOOM, zoomBy } from './dagZoom';

describe('dagZoom', () => {
  it('zooms in and out in steps, within its bounds', () => {
    expect(zoomBy(1, 1)).toBe(1.25);
    expect(zoomBy(1.25, -1)).toBe(1);
    expect(zoomBy(MAX_ZOOM, 1)).toBe(MAX_ZOOM);
    expect(zoomBy(MIN_ZOOM, -1)).toBe(MIN_ZOOM);
    expect(clampZoom(10)).toBe(MAX_ZOOM);
  });

  it('fits a tall DAG into its box, never enlarging a small one', () => {
    expect(fitZoom(200, 1200, 300, 400)).toBeCloseTo(1 / 3);
    expect(fitZoom(100, 100, 300, 400)).toBe(1);
    expect(fitZoom(200, 12000, 300, 400)).toBe(MIN_ZOOM);
    expect(fitZoom(0, 0, 300, 400)).toBe(1);
  });
});
