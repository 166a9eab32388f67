import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AgeGenderModel } from './model';
import { attribution, SALIENCY_METHODS, saliencyMap } from './saliency';
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
      const attr = attribution(model, face, target, 'integratedGradients', { steps: 64 });
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

  it('gives every method a non-blank map in 0..1 and leaks no tensors', async () => {
    const model = await tinyModel();
    const face = tf.randomUniform([40, 40, 3], 0, 255, 'float32', 8) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    for (const method of SALIENCY_METHODS) {
      const map = await saliencyMap(model, face, 'gender', method, { steps: 4, samples: 4, batch: 3 });
      expect(map.shape).toEqual([32, 32]);
      const values = await map.data();
      expect(Math.max(...values)).toBe(1);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      map.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    face.dispose();
    model.dispose();
  });
});
