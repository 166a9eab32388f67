// What a saliency map is made for and how it is shown, without tfjs: the page draws maps that the
// analysis worker computed (saliency.ts) and must not load tfjs itself to do so.

export type SaliencyTarget = 'age' | 'gender';
export type SaliencyMethod = 'gradient' | 'integratedGradients' | 'smoothGrad';
/** Cheapest first. */
export const SALIENCY_METHODS: SaliencyMethod[] = ['gradient', 'integratedGradients', 'smoothGrad'];

/** Colour scale for display: 0 transparent dark blue, through red, to 1 opaque yellow ("hot"). */
export function heatmapColour(v: number): [number, number, number, number] {
  const t = Math.min(1, Math.max(0, v));
  return [
    Math.round(255 * Math.min(1, 2 * t)),
    Math.round(255 * Math.max(0, 2 * t - 1)),
    Math.round(96 * (1 - t)),
    Math.round(255 * Math.sqrt(t)),
  ];
}

/** RGBA pixels of a saliency map, for a canvas. */
export function heatmapPixels(values: ArrayLike<number>): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) out.set(heatmapColour(values[i]), i * 4);
  return out;
}
