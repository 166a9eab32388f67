import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgeGenderNetwork } from '../../training/tfjs_export/network';
import { foldBatchNorm } from './foldBatchNorm';

/** The tiny network with batch-norm statistics far from their defaults, so folding them matters. */
async function tinyNetworkArtifacts(): Promise<tf.io.ModelArtifacts> {
  const net = buildAgeGenderNetwork({ stem: 8, head: 16, stages: [{ expand: 3, kernel: 3, stride: 2, channels: 8, repeats: 2 }] }, 32, 100);
  for (const layer of net.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    const [gamma, beta, mean, variance] = layer.getWeights();
    layer.setWeights([
      tf.randomUniform(gamma.shape, 0.5, 2, 'float32', 1), tf.randomNormal(beta.shape, 0, 0.5, 'float32', 2),
      tf.randomNormal(mean.shape, 0, 0.5, 'float32', 3), tf.randomUniform(variance.shape, 0.2, 3, 'float32', 4),
    ]);
  }
  let artifacts: tf.io.ModelArtifacts | undefined;
  await net.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  net.dispose();
  return artifacts!;
}

describe('foldBatchNorm', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('removes every batch norm and computes the same outputs', async () => {
    const artifacts = await tinyNetworkArtifacts();
    const original = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const folded = await tf.loadLayersModel(tf.io.fromMemory(await foldBatchNorm(artifacts)));
    const count = (m: tf.LayersModel, kind: string): number => m.layers.filter((l) => l.getClassName() === kind).length;
    expect(count(original, 'BatchNormalization')).toBe(8); // stem, head, and expand/depthwise/project in each of the two blocks
    expect(count(folded, 'BatchNormalization')).toBe(0);
    expect(folded.layers.length).toBe(original.layers.length - 8);

    const x = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 5);
    const [a, b] = [original, folded].map((m) => m.predict(x) as tf.Tensor[]);
    for (let i = 0; i < a.length; i++) {
      const scale = tf.max(tf.abs(a[i])).dataSync()[0];
      expect(tf.max(tf.abs(a[i].sub(b[i]))).dataSync()[0]).toBeLessThan(1e-5 * Math.max(1, scale));
    }
    tf.dispose([x, ...a, ...b]);
    original.dispose();
    folded.dispose();
  });

  it('leaves the artifacts it was given unchanged', async () => {
    const artifacts = await tinyNetworkArtifacts();
    const before = JSON.stringify(artifacts.modelTopology);
    await foldBatchNorm(artifacts);
    expect(JSON.stringify(artifacts.modelTopology)).toBe(before);
  });
});
