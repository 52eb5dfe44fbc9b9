/** The DAG's zoom: a scale between MIN_ZOOM and MAX_ZOOM, in steps, and the scale that fits it in a box. */
export const MIN_ZOOM = 0.25;
export const MAX_ZOOM = 3;
const STEP = 1.25;

export function clampZoom(scale: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, scale));
}

/** One step in (+1) or out (-1). */
export function zoomBy(scale: number, direction: 1 | -1): number {
  return clampZoom(direction > 0 ? scale * STEP : scale / STEP);
}

/** The largest scale (at most 1: never blown up) at which a width × height drawing fits the box. */
export function fitZoom(width: number, height: number, boxWidth: number, boxHeight: number): number {
  if (width <= 0 || height <= 0 || boxWidth <= 0 || boxHeight <= 0) {
    return 1;
  }
  return clampZoom(Math.min(1, boxWidth / width, boxHeight / height));
}
