// For unit tests: the real network's layer types at toy size, saved to in-memory model artifacts.
import * as tf from '@tensorflow/tfjs';
import { buildAgeGenderNetwork } from '../../training/tfjs_export/network';
import type { ModelMetadata } from './model';

export const TINY_METADATA: ModelMetadata = {
  inputSize: 32,
  pixelMean: 127,
  pixelStd: 128,
  maxAge: 100,
  flipAverage: true,
  calibration: { coverage: 0.9, temperature: 1.5, min_spread: 1, interval_bands: [{ from_age: 0, scale: 0.2, n: 0 }] },
};

export interface TinyNetworkOptions {
  metadata?: ModelMetadata;
  /** Seeded weights: kernels ~ N(0, 0.4), batch-norm statistics away from their defaults. Else tfjs's (unseeded) initialisers. */
  seeded?: boolean;
}

export async function tinyNetworkArtifacts({
  metadata,
  seeded = false,
}: TinyNetworkOptions = {}): Promise<tf.io.ModelArtifacts> {
  const net = buildAgeGenderNetwork(
    { stem: 8, head: 16, stages: [{ expand: 3, kernel: 3, stride: 2, channels: 8, repeats: 2 }] },
    32,
    100,
  );
  if (metadata) net.setUserDefinedMetadata(metadata as unknown as object);
  if (seeded) {
    net.layers.forEach((layer, i) => {
      const weights = layer.getWeights();
      if (layer.getClassName() === 'BatchNormalization') {
        const [gamma, beta, mean, variance] = weights;
        layer.setWeights([
          tf.randomUniform(gamma.shape, 0.5, 2, 'float32', i),
          tf.randomNormal(beta.shape, 0, 0.5, 'float32', i + 1),
          tf.randomNormal(mean.shape, 0, 0.5, 'float32', i + 2),
          tf.randomUniform(variance.shape, 0.2, 3, 'float32', i + 3),
        ]);
      } else {
        layer.setWeights(weights.map((w, k) => tf.randomNormal(w.shape, 0, 0.4, 'float32', 100 * i + k)));
      }
    });
  }
  let artifacts: tf.io.ModelArtifacts | undefined;
  await net.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  net.dispose();
  return artifacts!;
}
