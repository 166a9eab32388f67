// The live pipeline on a moving picture (Node, tfjs WASM backend, the bundled models): it follows the
// faces a full search finds, with far fewer full searches.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, modelFromDisk } from '../node/nodeRuntime';
import { imageTensor, readImage } from '../node/readImage';
import { FaceAnalyzer } from './analyze';
import { iou } from './geometry';
import { LiveFaceAnalyzer } from './live';

describe('LiveFaceAnalyzer', () => {
  let analyzer: FaceAnalyzer;
  let photo: tf.Tensor3D;
  beforeAll(async () => {
    await initBackend('wasm');
    analyzer = await FaceAnalyzer.load({
      model: modelFromDisk('public/models/agegender/model.json'),
      detector: modelFromDisk('public/models/blazeface/blazeface-front.json'),
    });
    const img = await readImage('e2e/fixtures/photos/group-of-three.jpg');
    photo = imageTensor(img);
  });
  afterAll(() => {
    analyzer.dispose();
    photo.dispose();
  });

  /** The photo moved right by `dx` px (grey where it left), as a camera panning left would see it. */
  const shifted = (dx: number): tf.Tensor3D =>
    tf.tidy(() => {
      const [h, w] = photo.shape;
      return tf.concat([tf.fill([h, dx, 3], 128, 'int32'), photo.slice([0, 0, 0], [h, w - dx, 3])], 1) as tf.Tensor3D;
    });

  it('follows the faces a full search finds, searching the whole frame only now and then', async () => {
    let fullSearches = 0;
    const counted = Object.assign(Object.create(analyzer) as FaceAnalyzer, {
      analyze: (...args: Parameters<FaceAnalyzer['analyze']>) => {
        fullSearches++;
        return analyzer.analyze(...args);
      },
    });
    const live = new LiveFaceAnalyzer(counted, { fullSearchEvery: 10 });
    const frames = 20;
    const ids = new Set<number>();
    for (let f = 0; f < frames; f++) {
      const frame = shifted(3 * f);
      const [faces, truth] = [await live.next(frame), await analyzer.analyze(frame)];
      frame.dispose();
      expect(faces).toHaveLength(truth.length);
      for (const t of truth) expect(Math.max(...faces.map((face) => iou(face.box, t.box)))).toBeGreaterThanOrEqual(0.5);
      faces.forEach((face) => ids.add(face.id));
    }
    expect(ids.size).toBe(3); // the same three faces throughout
    expect(fullSearches).toBeLessThanOrEqual(frames / 10 + 1);
  }, 300_000);
});
