import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignFace, FACE_TEMPLATE, similarityTransform } from './align';
import type { FaceKeypoints } from './detect';
import type { Point } from './geometry';

const T = FACE_TEMPLATE.keypoints;
const templateKeypoints = (map: (p: Point) => Point): FaceKeypoints => ({
  rightEye: map(T.rightEye),
  leftEye: map(T.leftEye),
  nose: map(T.nose),
  mouth: map(T.mouth),
  rightEar: [0, 0],
  leftEar: [0, 0],
});

/** A 200x200 test picture with structure everywhere, so any misplacement shows. */
function pattern(): tf.Tensor3D {
  return tf.tidy(() => {
    const y = tf.range(0, 200).reshape([200, 1, 1]);
    const x = tf.range(0, 200).reshape([1, 200, 1]);
    return tf.concat([x.add(y.mul(0)), y.add(x.mul(0)), x.add(y).mod(97).mul(2)], 2).toFloat() as tf.Tensor3D;
  });
}

describe('alignFace', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('finds the similarity transform that maps one point set onto another', () => {
    const angle = 0.3;
    const [a, b] = [1.7 * Math.cos(angle), 1.7 * Math.sin(angle)];
    const from: Point[] = [
      [10, 20],
      [50, 22],
      [30, 40],
      [31, 60],
    ];
    const to = from.map(([x, y]): Point => [a * x - b * y + 5, b * x + a * y - 7]);
    const s = similarityTransform(from, to);
    expect([s.a, s.b, s.tx, s.ty].map((v) => Number(v.toFixed(6)))).toEqual(
      [a, b, 5, -7].map((v) => Number(v.toFixed(6))),
    );
  });

  it('leaves a face that already sits on the template unchanged', () => {
    const image = pattern();
    const aligned = alignFace(
      image,
      templateKeypoints((p) => p),
    );
    expect(aligned.shape).toEqual([200, 200, 3]);
    expect(tf.max(tf.abs(aligned.sub(image))).dataSync()[0]).toBeLessThan(1e-3);
    tf.dispose([image, aligned]);
  });

  it('undoes a quarter turn and a doubling in size, as in a sideways, larger photo', () => {
    const image = pattern();
    // The photo: the picture scaled 2x (each pixel repeated), then turned a quarter clockwise.
    const photo = tf.tidy(
      () => tf.image.resizeNearestNeighbor(image, [400, 400]).transpose([1, 0, 2]).reverse(1) as tf.Tensor3D,
    );
    // Continuous coordinates: (x, y) in the picture lands at (400 - 2y, 2x) in the photo.
    const aligned = alignFace(
      photo,
      templateKeypoints(([x, y]) => [400 - 2 * y, 2 * x]),
    );
    expect(tf.max(tf.abs(aligned.sub(image))).dataSync()[0]).toBeLessThan(1e-3);
    tf.dispose([image, photo, aligned]);
  });
});
