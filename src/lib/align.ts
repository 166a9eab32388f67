// alignFace: cut a face out of a photo so that it looks like a UTKFace training chip: the similarity
// transform (scale, rotation, shift) that best maps the detected eyes, nose and mouth onto where
// BlazeFace finds them on the training chips (faceTemplate.json, made by `npm run derive:template`).
import * as tf from '@tensorflow/tfjs';
import type { FaceKeypoints } from './detect';
import type { Point } from './geometry';
import templateJson from './faceTemplate.json';

export interface FaceTemplate {
  /** Side of the aligned square, in pixels (the training chips are 200x200). */
  size: number;
  keypoints: Pick<FaceKeypoints, 'rightEye' | 'leftEye' | 'nose' | 'mouth'>;
}

export const FACE_TEMPLATE = templateJson as unknown as FaceTemplate;

const ALIGNED_POINTS = ['rightEye', 'leftEye', 'nose', 'mouth'] as const;

/** q = z p + t for complex z = a + ib (scale and rotation) and shift t, least squares over the point pairs. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export function similarityTransform(from: Point[], to: Point[]): Similarity {
  const mean = (ps: Point[]): Point => [
    ps.reduce((s, p) => s + p[0], 0) / ps.length,
    ps.reduce((s, p) => s + p[1], 0) / ps.length,
  ];
  const [pm, qm] = [mean(from), mean(to)];
  let re = 0;
  let im = 0;
  let norm = 0;
  from.forEach(([px, py], i) => {
    const [x, y, u, v] = [px - pm[0], py - pm[1], to[i][0] - qm[0], to[i][1] - qm[1]];
    re += x * u + y * v; // sum of conj(p) * q
    im += x * v - y * u;
    norm += x * x + y * y;
  });
  if (norm === 0) throw new Error('cannot align a face whose keypoints all coincide');
  const [a, b] = [re / norm, im / norm];
  return { a, b, tx: qm[0] - (a * pm[0] - b * pm[1]), ty: qm[1] - (b * pm[0] + a * pm[1]) };
}

/**
 * The aligned face, [size, size, 3] float32 0..255, from an RGB [h, w, 3] image. When the face is
 * much larger than the template, the region is first halved with 2x2 averaging (as often as it
 * fits) so that the final bilinear sampling does not alias.
 */
export function alignFace(
  image: tf.Tensor3D,
  keypoints: FaceKeypoints,
  template: FaceTemplate = FACE_TEMPLATE,
): tf.Tensor3D {
  const { a, b, tx, ty } = similarityTransform(
    ALIGNED_POINTS.map((k) => keypoints[k]),
    ALIGNED_POINTS.map((k) => template.keypoints[k]),
  );
  // Inverse map, output pixel q -> photo pixel p = (q - t) / z.
  const r = a * a + b * b;
  const [c, d] = [a / r, -b / r];
  const [ex, ey] = [-(c * tx - d * ty), -(d * tx + c * ty)];
  const toPhoto = (x: number, y: number): Point => [c * x - d * y + ex, d * x + c * y + ey];

  const [height, width] = image.shape;
  const corners = [
    [0, 0],
    [template.size, 0],
    [0, template.size],
    [template.size, template.size],
  ].map(([x, y]) => toPhoto(x, y));
  const clamp = (v: number, hi: number): number => Math.min(hi, Math.max(0, v));
  const x0 = clamp(Math.floor(Math.min(...corners.map((p) => p[0]))), width - 1);
  const y0 = clamp(Math.floor(Math.min(...corners.map((p) => p[1]))), height - 1);
  const x1 = clamp(Math.ceil(Math.max(...corners.map((p) => p[0]))) + 1, width);
  const y1 = clamp(Math.ceil(Math.max(...corners.map((p) => p[1]))) + 1, height);
  const halvings = Math.max(0, Math.floor(Math.log2(1 / Math.sqrt(r))));

  return tf.tidy(() => {
    let region = image
      .slice([y0, x0, 0], [Math.max(1, y1 - y0), Math.max(1, x1 - x0), 3])
      .toFloat()
      .expandDims(0) as tf.Tensor4D;
    let f = 1;
    for (let i = 0; i < halvings && region.shape[1] >= 4 && region.shape[2] >= 4; i++, f *= 2) {
      region = tf.avgPool(region, 2, 2, 'valid');
    }
    // Output pixel (i, j) has its centre at q = (i + 0.5, j + 0.5); its photo point p = M q + e lies
    // in the (halved) region at index (p - origin) / f - 0.5.
    const transform = tf.tensor2d([
      [c / f, -d / f, (0.5 * (c - d) + ex - x0) / f - 0.5, d / f, c / f, (0.5 * (d + c) + ey - y0) / f - 0.5, 0, 0],
    ]);
    return tf.image
      .transform(region, transform, 'bilinear', 'nearest', 0, [template.size, template.size])
      .squeeze([0]) as tf.Tensor3D;
  });
}
