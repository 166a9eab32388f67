// Saliency: which pixels of the aligned face moved the age or the gender output, from tfjs gradients.
//
// - gradient: |d output / d pixel|, the plain sensitivity map (noisy);
// - integratedGradients: (pixel - baseline) x the gradient averaged along the straight path from a
//   grey baseline to the face (Sundararajan et al. 2017), which adds up to the output's change;
// - smoothGrad: the gradient averaged over copies of the face with Gaussian noise (Smilkov et al. 2017).
// Each map is summed over colour channels and scaled to 0..1 by its 99th percentile.
import * as tf from '@tensorflow/tfjs';
import type { SaliencyMethod, SaliencyTarget } from './heatmap';
import type { AgeGenderModel } from './model';
import { toModelInput } from './preprocess';

export { heatmapColour, heatmapPixels, SALIENCY_METHODS, type SaliencyMethod, type SaliencyTarget } from './heatmap';

export interface SaliencyOptions {
  /** Points on the path for integrated gradients. */
  steps: number;
  /** Noisy copies for SmoothGrad. */
  samples: number;
  /** SmoothGrad's noise, as a fraction of the input's range. */
  noise: number;
  /** Images per gradient batch (bounds memory). */
  batch: number;
}

export const DEFAULT_SALIENCY_OPTIONS: SaliencyOptions = { steps: 12, samples: 8, noise: 0.15, batch: 4 };

/** Sum over the batch of the chosen output's gradient with respect to each input image. */
function gradientOf(model: AgeGenderModel, target: SaliencyTarget, inputs: tf.Tensor4D): tf.Tensor4D {
  const f = (x: tf.Tensor): tf.Tensor => {
    const out = model.outputs(x as tf.Tensor4D);
    return (target === 'age' ? out.age : out.femaleLogit).sum();
  };
  return tf.grad(f)(inputs) as tf.Tensor4D;
}

/** Mean gradient over images made by `make(i)` for i in 0..count-1, in batches. */
function meanGradient(
  model: AgeGenderModel,
  target: SaliencyTarget,
  count: number,
  batch: number,
  make: (indices: number[]) => tf.Tensor4D,
): tf.Tensor3D {
  let total: tf.Tensor3D | null = null;
  for (let start = 0; start < count; start += batch) {
    const indices = Array.from({ length: Math.min(batch, count - start) }, (_, k) => start + k);
    const part = tf.tidy(() => gradientOf(model, target, make(indices)).sum(0) as tf.Tensor3D);
    const next: tf.Tensor3D = total ? tf.add(total, part) : part;
    if (total) {
      total.dispose();
      part.dispose();
    }
    total = next;
  }
  return tf.tidy(() => total!.div(count) as tf.Tensor3D);
}

/**
 * Signed attribution [s, s, 3] of the chosen output to each normalised input value of the model
 * (s = the model's input size). `face`: an aligned face [h, w, 3], 0..255.
 */
export function attribution(
  model: AgeGenderModel,
  face: tf.Tensor3D,
  target: SaliencyTarget,
  method: SaliencyMethod,
  options: Partial<SaliencyOptions> = {},
): tf.Tensor3D {
  const opts = { ...DEFAULT_SALIENCY_OPTIONS, ...options };
  const x = toModelInput([face], model.metadata); // [1, s, s, 3]
  try {
    if (method === 'gradient') return tf.tidy(() => gradientOf(model, target, x).squeeze([0]) as tf.Tensor3D);
    if (method === 'integratedGradients') {
      // Baseline: mid-grey, 0 after normalisation. Midpoints of `steps` equal segments of the path.
      const mean = meanGradient(
        model,
        target,
        opts.steps,
        opts.batch,
        (idx) => tf.tidy(() => tf.concat(idx.map((i) => x.mul((i + 0.5) / opts.steps)))) as tf.Tensor4D,
      );
      const result = tf.tidy(() => mean.mul(x.squeeze([0])) as tf.Tensor3D);
      mean.dispose();
      return result;
    }
    // Normalised pixels span about 2 (-1..1); the noise is a fraction of that range.
    const sigma = 2 * opts.noise;
    return meanGradient(
      model,
      target,
      opts.samples,
      opts.batch,
      (idx) => tf.tidy(() => tf.concat(idx.map(() => x.add(tf.randomNormal(x.shape, 0, sigma))))) as tf.Tensor4D,
    );
  } finally {
    x.dispose();
  }
}

/** The attribution's size per pixel, [s, s] in 0..1 (scaled by its 99th percentile), for display. */
export async function saliencyMap(
  model: AgeGenderModel,
  face: tf.Tensor3D,
  target: SaliencyTarget,
  method: SaliencyMethod,
  options: Partial<SaliencyOptions> = {},
): Promise<tf.Tensor2D> {
  const map = tf.tidy(() => attribution(model, face, target, method, options).abs().sum(2) as tf.Tensor2D);
  const sorted = Float32Array.from(await map.data()).sort();
  const top = sorted[Math.floor(0.99 * (sorted.length - 1))] || 1;
  const scaled = tf.tidy(() => map.div(top).clipByValue(0, 1) as tf.Tensor2D);
  map.dispose();
  return scaled;
}
