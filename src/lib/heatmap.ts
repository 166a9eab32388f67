// What a saliency map is made for and how it is shown, without tfjs: the page draws maps that the
// analysis worker computed (saliency.ts) and must not load tfjs itself to do so.

export type SaliencyTarget = 'age' | 'gender';
export type SaliencyMethod = 'gradient' | 'integratedGradients' | 'smoothGrad';
/** The readable one (computed at once) first, then those computed on request, cheapest first. */
export const SALIENCY_METHODS: SaliencyMethod[] = ['smoothGrad', 'gradient', 'integratedGradients'];

// Viridis (matplotlib's) at 0, 1/4, 1/2, 3/4 and 1: dark blue through teal to yellow, no red or pink, so that
// it does not read as skin; shown over the face in grey.
const VIRIDIS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
/** Transparent at 0 (the face shows), more opaque the higher, opaque from this on. */
const OPAQUE_FROM = 0.6;

/** Colour of a map value 0..1: viridis, transparent at 0, opaque from OPAQUE_FROM. */
export function heatmapColour(v: number): [number, number, number, number] {
  const t = Math.min(1, Math.max(0, v));
  const at = t * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(at));
  const f = at - i;
  const [r, g, b] = VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
  return [r, g, b, Math.round(255 * Math.min(1, t / OPAQUE_FROM))];
}

/** RGBA pixels of a saliency map, for a canvas. */
export function heatmapPixels(values: ArrayLike<number>): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) out.set(heatmapColour(values[i]), i * 4);
  return out;
}

/**
 * The face's outlines (eyes, brows, nose, mouth, jaw) as RGBA pixels: white where the brightness changes most
 * (Sobel, the strongest `share` of pixels), transparent elsewhere: drawn over an opaque map, they say where it is.
 */
export function outlinePixels(rgba: ArrayLike<number>, width: number, height: number, share = 0.08): Uint8ClampedArray {
  const grey = Float32Array.from({ length: width * height }, (_, i) => {
    return 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
  });
  const at = (x: number, y: number): number =>
    grey[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))];
  const edge = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const gx =
        at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1);
      const gy =
        at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1);
      edge[y * width + x] = Math.hypot(gx, gy);
    }
  const threshold = Float32Array.from(edge).sort()[Math.floor((1 - share) * (edge.length - 1))];
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < edge.length; i++) if (edge[i] > threshold) out.set([255, 255, 255, 200], i * 4);
  return out;
}
