// The whole-photo API on the bundled models (Node, tfjs WASM backend, as the CLI runs it).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, modelFromDisk } from '../node/nodeRuntime';
import { imageTensor, readImage } from '../node/readImage';
import { FaceAnalyzer } from './analyze';

async function photo(name: string): Promise<tf.Tensor3D> {
  const img = await readImage(`e2e/fixtures/photos/${name}`);
  return imageTensor(img);
}

describe('FaceAnalyzer', () => {
  let analyzer: FaceAnalyzer;
  beforeAll(async () => {
    await initBackend('wasm');
    analyzer = await FaceAnalyzer.load({
      model: modelFromDisk('public/models/agegender/model.json'),
      detector: modelFromDisk('public/models/blazeface/blazeface-front.json'),
    });
  });
  afterAll(() => analyzer.dispose());

  it('returns every face, largest first, with box, keypoints, score, age and gender', async () => {
    const image = await photo('group-of-three.jpg');
    const faces = await analyzer.analyze(image);
    expect(faces).toHaveLength(3);
    for (const f of faces) {
      expect(f.score).toBeGreaterThan(0.75);
      expect(f.keypoints.leftEye[0]).toBeGreaterThan(f.keypoints.rightEye[0]); // the person's left eye is on the picture's right
      expect(f.ageLow).toBeLessThanOrEqual(f.age);
      expect(f.age).toBeLessThanOrEqual(f.ageHigh);
    }
    expect(faces.map((f) => f.box.width)).toEqual(faces.map((f) => f.box.width).sort((a, b) => b - a));
    image.dispose();
  });

  it('returns an empty list for a photo without a face', async () => {
    const image = await photo('dogs.jpg');
    expect(await analyzer.analyze(image)).toEqual([]);
    image.dispose();
  });

  it('keeps the number of tensors flat over many photos', async () => {
    const image = await photo('two-people.jpg');
    for (let i = 0; i < 2; i++) await analyzer.analyze(image);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await analyzer.analyze(image);
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
  }, 180_000);
});
