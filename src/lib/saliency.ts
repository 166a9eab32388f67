// Saliency: which pixels of the aligned face moved the age or the gender output, from tfjs gradients.
//
// - gradient: |d output / d pixel|, the plain sensitivity map (noisy: speckle over face and background);
// - integratedGradients: (pixel - baseline) x the gradient averaged along the straight path from a
//   grey baseline to the face (Sundararajan et al. 2017), which adds up to the output's change;
// - smoothGrad: the gradient averaged over copies of the face with Gaussian noise (Smilkov et al. 2017),
//   the default: the speckle averages out.
// For display each map is summed over colour channels, blurred (a map sharper than a few pixels is noise a
// person cannot read) and scaled to 0..1 from its median to its 99th percentile: the less salient half of the
// face is left clear, and a few extreme pixels do not leave the rest dark.
import * as tf from '@tensorflow/tfjs';
import type { SaliencyMethod, SaliencyTarget } from './heatmap';
import type { AgeGenderModel } from './model';
import { toModelInput } from './preprocess';
import { addWasmGradients } from './wasmGradients';

export { SALIENCY_METHODS, type SaliencyMethod, type SaliencyTarget } from './heatmap';

export interface SaliencyOptions {
  /** Points on the path for integrated gradients. */
  steps: number;
  /** Noisy copies for SmoothGrad. */
  samples: number;
  /** SmoothGrad's noise, as a fraction of the input's range. */
  noise: number;
  /** Images per forward and backward pass (more: faster, and more memory). */
  batch: number;
  /** The display map's Gaussian blur, in pixels of the model's input (its standard deviation). */
  blur: number;
  /** Seed of SmoothGrad's noise, 0 or more (the same seed, the same noise); unseeded if absent. */
  seed?: number;
  /** Hears the passes done of all: 0 before the first, then after each. */
  onProgress?: (done: number, total: number) => void;
}

/** A map is shown from its median (below: clear) to its 99th percentile (above: full). */
const DISPLAY_QUANTILES = [0.5, 0.99] as const;

export const DEFAULT_SALIENCY_OPTIONS: SaliencyOptions = { steps: 16, samples: 8, noise: 0.15, batch: 4, blur: 4 };

/** Sum over the batch of the chosen output's gradient with respect to each input image. */
function gradientOf(model: AgeGenderModel, target: SaliencyTarget, inputs: tf.Tensor4D): tf.Tensor4D {
  const f = (x: tf.Tensor): tf.Tensor => {
    const out = model.outputs(x as tf.Tensor4D);
    return (target === 'age' ? out.age : out.femaleLogit).sum();
  };
  return tf.grad(f)(inputs) as tf.Tensor4D;
}

/** Mean gradient over `count` images, made `batch` at a time by `make(first, n)`; each pass finished before the next. */
async function meanGradient(
  model: AgeGenderModel,
  target: SaliencyTarget,
  count: number,
  { batch, onProgress }: SaliencyOptions,
  make: (first: number, n: number) => tf.Tensor4D,
): Promise<tf.Tensor3D> {
  let total: tf.Tensor3D | null = null;
  const passes = Math.ceil(count / batch);
  onProgress?.(0, passes);
  try {
    for (let pass = 0; pass < passes; pass++) {
      const first = pass * batch;
      const next: tf.Tensor3D = tf.tidy(() => {
        const part = gradientOf(model, target, make(first, Math.min(batch, count - first))).sum(0) as tf.Tensor3D;
        return total ? total.add(part) : part;
      });
      total?.dispose();
      total = next;
      await total.data(); // finished (on a GPU too), so that the progress is true
      onProgress?.(pass + 1, passes);
    }
  } catch (e) {
    (total as tf.Tensor3D | null)?.dispose(); // a pass failed (memory, a lost context): nothing left behind
    throw e;
  }
  const mean = tf.div(total!, count) as tf.Tensor3D;
  total!.dispose();
  return mean;
}

/**
 * Signed attribution [s, s, 3] of the chosen output to each normalised input value of the model
 * (s = the model's input size). `face`: an aligned face [h, w, 3], 0..255.
 */
export async function attribution(
  model: AgeGenderModel,
  face: tf.Tensor3D,
  target: SaliencyTarget,
  method: SaliencyMethod,
  options: Partial<SaliencyOptions> = {},
): Promise<tf.Tensor3D> {
  addWasmGradients();
  const opts = { ...DEFAULT_SALIENCY_OPTIONS, ...options };
  const x = toModelInput([face], model.metadata); // [1, s, s, 3]
  try {
    if (method === 'gradient') return await meanGradient(model, target, 1, opts, () => x.clone());
    if (method === 'integratedGradients') {
      // Baseline: mid-grey, 0 after normalisation. Midpoints of `steps` equal segments of the path.
      const mean = await meanGradient(model, target, opts.steps, opts, (first, n) =>
        tf.tidy(() =>
          x.mul(
            tf
              .range(first + 0.5, first + n)
              .div(opts.steps)
              .reshape([n, 1, 1, 1]),
          ),
        ),
      );
      const result = tf.tidy(() => mean.mul(x.squeeze([0])) as tf.Tensor3D);
      mean.dispose();
      return result;
    }
    // Normalised pixels span about 2 (-1..1); the noise is a fraction of that range.
    const sigma = 2 * opts.noise;
    return await meanGradient(model, target, opts.samples, opts, (first, n) =>
      tf.tidy(() => {
        // one seed a pass; never 0, which tfjs takes for none
        const seed = opts.seed === undefined ? undefined : (opts.seed + 1) * 1000 + first;
        return x.add(tf.randomNormal([n, ...x.shape.slice(1)], 0, sigma, 'float32', seed)) as tf.Tensor4D;
      }),
    );
  } finally {
    x.dispose();
  }
}

/**
 * What the page draws: the attribution's size per pixel of the model's input, blurred and scaled to 0..1 from its
 * median to its 99th percentile, row by row ([s * s]).
 */
export async function saliencyMap(
  model: AgeGenderModel,
  face: tf.Tensor3D,
  target: SaliencyTarget,
  method: SaliencyMethod,
  options: Partial<SaliencyOptions> = {},
): Promise<Float32Array> {
  const attr = await attribution(model, face, target, method, options);
  const size = tf.tidy(() => attr.abs().sum(2));
  attr.dispose();
  const values = (await size.data()) as Float32Array;
  size.dispose();
  const side = model.metadata.inputSize;
  return scaleBetweenQuantiles(
    blurMap(values, side, options.blur ?? DEFAULT_SALIENCY_OPTIONS.blur),
    DISPLAY_QUANTILES[0],
    DISPLAY_QUANTILES[1],
  );
}

/** A square map (side x side, row by row) blurred by a Gaussian of standard deviation `sigma` pixels; the edges keep their level. */
export function blurMap(values: ArrayLike<number>, side: number, sigma: number): Float32Array {
  if (sigma <= 0) return Float32Array.from(values);
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma ** 2)));
  // One dimension at a time: along rows (step 1), then along columns (step side).
  const pass = (from: ArrayLike<number>, step: number, across: number): Float32Array => {
    const out = new Float32Array(side * side);
    for (let line = 0; line < side; line++)
      for (let i = 0; i < side; i++) {
        let sum = 0;
        let weight = 0;
        for (let k = Math.max(-radius, -i); k <= Math.min(radius, side - 1 - i); k++) {
          sum += kernel[k + radius] * from[line * across + (i + k) * step];
          weight += kernel[k + radius];
        }
        out[line * across + i * step] = sum / weight;
      }
    return out;
  };
  return pass(pass(values, 1, side), side, 1);
}

/**
 * Values mapped to 0..1 between two of their quantiles (0..1), clipped outside: 0 up to `low` (most of the face, left
 * clear), 1 from `high` on (so that a few extreme pixels do not leave the rest dark). All 0 for a flat map.
 */
export function scaleBetweenQuantiles(values: ArrayLike<number>, low: number, high: number): Float32Array {
  const sorted = Float32Array.from(values).sort();
  const at = (q: number): number => sorted[Math.round(q * (sorted.length - 1))];
  const [from, to] = [at(low), at(high) > at(low) ? at(high) : sorted[sorted.length - 1]];
  if (!(to > from)) return new Float32Array(sorted.length);
  return Float32Array.from(values, (v) => Math.min(1, Math.max(0, (v - from) / (to - from))));
}
