import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgeGenderNetwork } from '../../training/tfjs_export/network';
import { AgeGenderModel, type ModelMetadata } from './model';
import { attribution, SALIENCY_METHODS, saliencyMap } from './saliency';
import { toModelInput } from './preprocess';

const METADATA: ModelMetadata = {
  inputSize: 32, pixelMean: 127, pixelStd: 128, maxAge: 100, flipAverage: true,
  calibration: { coverage: 0.9, interval_margin: 2, temperature: 1.5 },
};

async function tinyModel(): Promise<AgeGenderModel> {
  const net = buildAgeGenderNetwork({ stem: 8, head: 16, stages: [{ expand: 3, kernel: 3, stride: 2, channels: 8, repeats: 2 }] }, 32, 100);
  net.setUserDefinedMetadata(METADATA as unknown as object);
  // Seeded kernels (the default initialisers are unseeded), large enough that outputs vary with the face.
  net.layers.filter((l) => l.getClassName() !== 'BatchNormalization').forEach((layer, i) =>
    layer.setWeights(layer.getWeights().map((w, k) => tf.randomNormal(w.shape, 0, 0.4, 'float32', 100 * i + k))));
  let artifacts: tf.io.ModelArtifacts | undefined;
  await net.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  net.dispose();
  return AgeGenderModel.load(tf.io.fromMemory(artifacts!));
}

describe('saliency', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

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
      expect(total).toBeCloseTo(atFace - atBaseline, 2);
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
