import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldBatchNorm } from './foldBatchNorm';
import { tinyNetworkArtifacts as tinySeeded } from './tinyNetwork.fixture';

/** Seeded: batch-norm statistics far from their defaults, so folding them matters. */
const tinyNetworkArtifacts = (): Promise<tf.io.ModelArtifacts> => tinySeeded({ seeded: true });

describe('foldBatchNorm', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

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
