import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { genderCall } from './interval';
import { AgeGenderModel, type ModelMetadata } from './model';
import { TINY_METADATA, tinyNetworkArtifacts } from './tinyNetwork.fixture';

const METADATA = TINY_METADATA;
const tinyModelArtifacts = (metadata?: ModelMetadata): Promise<tf.io.ModelArtifacts> =>
  tinyNetworkArtifacts({ metadata });

describe('AgeGenderModel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('estimates every face, whatever its size', async () => {
    const model = await AgeGenderModel.load(tf.io.fromMemory(await tinyModelArtifacts(METADATA)));
    const faces = [tf.randomUniform([200, 200, 3], 0, 255), tf.randomUniform([57, 80, 3], 0, 255)] as tf.Tensor3D[];
    const estimates = await model.estimate(faces);
    expect(estimates).toHaveLength(2);
    for (const e of estimates) {
      expect(e.age).toBeGreaterThanOrEqual(0);
      expect(e.ageLow).toBeLessThanOrEqual(e.ageHigh);
      expect(e.gender).toBe(genderCall(e.femaleProbability));
    }
    expect(await model.estimate([])).toEqual([]);
    tf.dispose(faces);
    model.dispose();
  });

  it('leaks no tensors over hundreds of estimates', async () => {
    const model = await AgeGenderModel.load(tf.io.fromMemory(await tinyModelArtifacts(METADATA)));
    const face = tf.randomUniform([64, 64, 3], 0, 255) as tf.Tensor3D;
    await model.estimate([face]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 300; i++) await model.estimate([face]);
    expect(tf.memory().numTensors).toBe(before);
    face.dispose();
    model.dispose();
  });

  it('refuses a model.json without agegender metadata', async () => {
    await expect(AgeGenderModel.load(tf.io.fromMemory(await tinyModelArtifacts()))).rejects.toThrow(
      /no agegender metadata/,
    );
  });
});
