import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AgeGenderModel } from './model';
import { attribution, blurMap, SALIENCY_METHODS, saliencyMap, scaleBetweenQuantiles } from './saliency';
import { toModelInput } from './preprocess';
import { TINY_METADATA, tinyNetworkArtifacts } from './tinyNetwork.fixture';

const METADATA = TINY_METADATA;
const tinyModel = async (): Promise<AgeGenderModel> =>
  AgeGenderModel.load(tf.io.fromMemory(await tinyNetworkArtifacts({ metadata: METADATA, seeded: true })));

describe('saliency', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('integrated gradients add up to the change of the output from the grey baseline', async () => {
    const model = await tinyModel();
    const face = tf.randomUniform([40, 40, 3], 0, 255, 'float32', 7) as tf.Tensor3D;
    for (const target of ['age', 'gender'] as const) {
      const attr = await attribution(model, face, target, 'integratedGradients', { steps: 64 });
      const total = attr.sum().dataSync()[0];
      const [atFace, atBaseline] = tf.tidy(() => {
        const x = toModelInput([face], METADATA);
        const out = (t: tf.Tensor4D): number => {
          const o = model.outputs(t);
          return (target === 'age' ? o.age : o.femaleLogit).dataSync()[0];
        };
        return [out(x), out(tf.zerosLike(x))];
      });
      expect(Math.abs(atFace - atBaseline)).toBeGreaterThan(1e-3);
      // a 64-step Riemann sum: within 1% of the exact path integral
      expect(Math.abs(total - (atFace - atBaseline))).toBeLessThan(0.01 * Math.abs(atFace - atBaseline));
      attr.dispose();
    }
    face.dispose();
    model.dispose();
  });

  it('gives every method a non-blank map in 0..1, reports its progress and leaks no tensors', async () => {
    const model = await tinyModel();
    const face = tf.randomUniform([40, 40, 3], 0, 255, 'float32', 8) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    for (const method of SALIENCY_METHODS) {
      const progress: string[] = [];
      const map = await saliencyMap(model, face, 'gender', method, {
        steps: 4,
        samples: 5,
        batch: 2,
        onProgress: (done, total) => progress.push(`${done}/${total}`),
      });
      expect(map).toHaveLength(32 * 32);
      expect(Math.max(...map)).toBe(1);
      expect(Math.min(...map)).toBeGreaterThanOrEqual(0);
      expect(new Set(map).size).toBeGreaterThan(100);
      expect(progress).toEqual(
        {
          gradient: ['0/1', '1/1'],
          integratedGradients: ['0/2', '1/2', '2/2'],
          smoothGrad: ['0/3', '1/3', '2/3', '3/3'],
        }[method],
      );
    }
    expect(tf.memory().numTensors).toBe(before);
    face.dispose();
    model.dispose();
  });

  it('gives the same SmoothGrad map for the same seed, and another for another', async () => {
    const model = await tinyModel();
    const face = tf.randomUniform([40, 40, 3], 0, 255, 'float32', 9) as tf.Tensor3D;
    const map = (seed: number) => saliencyMap(model, face, 'age', 'smoothGrad', { samples: 2, seed });
    expect(await map(1)).toEqual(await map(1));
    expect(await map(1)).not.toEqual(await map(2));
    face.dispose();
    model.dispose();
  });
});

describe('a map for display', () => {
  it('blurs with a Gaussian that keeps a flat map flat, edges included, and spreads a point symmetrically', () => {
    expect(Array.from(blurMap(new Float32Array(25).fill(3), 5, 1.5))).toEqual(Array(25).fill(3));
    const point = new Float32Array(15 * 15);
    point[7 * 15 + 7] = 1; // the centre
    const blurred = blurMap(point, 15, 1);
    expect(blurred.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
    expect(blurred[7 * 15 + 7]).toBeCloseTo(1 / (2 * Math.PI), 2); // a 2-d Gaussian's peak, sigma 1
    expect(blurred[7 * 15 + 6]).toBeCloseTo(blurred[7 * 15 + 8], 6);
    expect(blurred[6 * 15 + 7]).toBeCloseTo(blurred[7 * 15 + 6], 6);
    expect(blurMap(point, 15, 0)).toEqual(point);
  });

  it('scales between two quantiles and clips outside, so that a few extreme pixels do not leave the rest dark', () => {
    const values = Float32Array.from({ length: 101 }, (_, i) => i); // 0..100: quantile q is 100 q
    values[100] = 1e6; // one extreme pixel
    const scaled = scaleBetweenQuantiles(values, 0.5, 0.9);
    expect(scaled.slice(0, 51).every((v) => v === 0)).toBe(true);
    expect(scaled[70]).toBeCloseTo(0.5, 5);
    expect(scaled.filter((v) => v === 1)).toHaveLength(11); // 90 to 99, and the extreme one
    expect(Array.from(scaleBetweenQuantiles(new Float32Array(4).fill(2), 0.5, 0.99))).toEqual([0, 0, 0, 0]);
  });
});
