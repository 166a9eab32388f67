import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, modelFromDisk } from '../node/nodeRuntime';
import { readImage } from '../node/readImage';
import { detectionWindows, FaceDetector, type FaceKeypoints } from './detect';
import { iou, type Point } from './geometry';

describe('detectionWindows', () => {
  it('starts with the whole photo (with margins, then without), then covers it with smaller overlapping windows', () => {
    const windows = detectionWindows(500, 375, 100, 0, [1.5, 2]);
    expect(windows.slice(0, 3)).toEqual([
      { x: -125, y: -187.5, size: 750, minFaceFraction: 1 / 3 },
      { x: -250, y: -312.5, size: 1000, minFaceFraction: 1 / 3 },
      { x: 0, y: -62.5, size: 500, minFaceFraction: 0 },
    ]);
    const sizes = [...new Set(windows.map((w) => w.size))];
    expect(sizes).toEqual([750, 1000, 500, 250, 125]);
    for (const size of sizes.slice(3)) {
      const level = windows.filter((w) => w.size === size);
      // every point of the photo is inside a window of each level, and no window leaves the photo
      for (const [x, y] of [
        [0, 0],
        [499, 374],
        [250, 187],
        [137, 301],
      ]) {
        expect(level.some((w) => x >= w.x && x < w.x + size && y >= w.y && y < w.y + size)).toBe(true);
      }
      for (const w of level) expect(w.x >= 0 && w.y >= 0 && w.x + size <= 500 && w.y + size <= 375).toBe(true);
      // neighbours overlap by at least a third, so a face a third of the window wide is whole in one of them
      const xs = [...new Set(level.map((w) => w.x))].sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(xs[i] - xs[i - 1]).toBeLessThanOrEqual((size * 2) / 3 + 1e-9);
    }
  });

  it('lets windows of at least half the photo reach past its edges by edgeMargin, and no smaller ones', () => {
    const windows = detectionWindows(640, 480, 160, 0.15, []);
    for (const size of [640, 320]) {
      const level = windows.filter((w) => w.size === size);
      expect(Math.min(...level.map((w) => w.x))).toBeCloseTo(-0.15 * size);
      expect(Math.max(...level.map((w) => w.x + size))).toBeCloseTo(640 + 0.15 * size);
      // vertically too, where one centred window does not already reach half as far
      expect(Math.min(...level.map((w) => w.y))).toBeLessThanOrEqual(-0.075 * size);
      const xs = [...new Set(level.map((w) => w.x))].sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(xs[i] - xs[i - 1]).toBeLessThanOrEqual((size * 2) / 3 + 1e-9);
    }
    for (const w of windows.filter((v) => v.size === 160))
      expect(w.x >= 0 && w.y >= 0 && w.x + 160 <= 640 && w.y + 160 <= 480).toBe(true);
  });

  it('stops at the smallest useful window', () => {
    expect(detectionWindows(640, 480, 1000, 0, [1.5])).toHaveLength(2);
    expect(new Set(detectionWindows(640, 480, 320, 0, [1.5]).map((w) => w.size))).toEqual(new Set([960, 640, 320]));
  });
});

describe('iou', () => {
  it('is 1 for the same box, 0 for disjoint ones and a third for half-overlapping squares', () => {
    const a = { left: 0, top: 0, width: 10, height: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { left: 20, top: 0, width: 10, height: 10 })).toBe(0);
    expect(iou(a, { left: 5, top: 0, width: 10, height: 10 })).toBeCloseTo(1 / 3);
  });
});

// Hard cases made from a fixture chip (200x200) on a grey 480x480 canvas, through the bundled BlazeFace.
describe('FaceDetector on hard faces', () => {
  const SIDE = 480;
  const CENTRE = (SIDE - 1) / 2;
  let detector: FaceDetector;
  let chip: tf.Tensor3D;
  beforeAll(async () => {
    await initBackend('wasm');
    detector = await FaceDetector.load(modelFromDisk('public/models/blazeface/blazeface-front.json'));
    const img = await readImage('e2e/fixtures/faces/41_1_0_20170103181204176.jpg.chip.jpg');
    chip = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').toFloat();
  });
  afterAll(() => {
    detector.dispose();
    chip.dispose();
  });

  /** The chip resized to width x height, its top left corner at (left, top) (it may hang off the canvas). */
  const canvas = (left: number, top: number, width = 200, height = 200): tf.Tensor3D =>
    tf.tidy(() => {
      const face = tf.image.resizeBilinear(chip, [height, width]);
      const [x0, y0] = [Math.max(0, -left), Math.max(0, -top)];
      const part = face.slice(
        [y0, x0, 0],
        [height - y0 - Math.max(0, top + height - SIDE), width - x0 - Math.max(0, left + width - SIDE), 3],
      );
      const [l, t] = [Math.max(0, left), Math.max(0, top)];
      return tf.pad(
        part,
        [
          [t, SIDE - part.shape[0] - t],
          [l, SIDE - part.shape[1] - l],
          [0, 0],
        ],
        128,
      );
    });
  /** Largest distance of the eyes, nose and mouth from where `map` puts the reference ones, per distance between the reference eyes. */
  const keypointError = (found: FaceKeypoints, reference: FaceKeypoints, map: (p: Point) => Point): number => {
    const eyes = Math.hypot(reference.leftEye[0] - reference.rightEye[0], reference.leftEye[1] - reference.rightEye[1]);
    return Math.max(
      ...(['rightEye', 'leftEye', 'nose', 'mouth'] as const).map((k) => {
        const [x, y] = map(reference[k]);
        return Math.hypot(found[k][0] - x, found[k][1] - y) / eyes;
      }),
    );
  };
  const detectIn = async (image: tf.Tensor3D, options = {}) => {
    try {
      return await detector.detect(image, options);
    } finally {
      image.dispose();
    }
  };

  it('finds a face tilted by 40 degrees either way, with its keypoints turned with it', async () => {
    const [upright] = await detectIn(canvas(140, 140));
    for (const degrees of [40, -40]) {
      const [c, s] = [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
      // output pixel -> input pixel: turn the canvas clockwise by `degrees` about its centre
      const turned = tf.tidy(
        () =>
          tf.image
            .transform(
              canvas(140, 140).expandDims(0) as tf.Tensor4D,
              tf.tensor2d([[c, s, CENTRE - c * CENTRE - s * CENTRE, -s, c, CENTRE + s * CENTRE - c * CENTRE, 0, 0]]),
              'bilinear',
              'constant',
              128,
            )
            .squeeze([0]) as tf.Tensor3D,
      );
      const faces = await detectIn(turned);
      expect(faces).toHaveLength(1);
      const turn = ([x, y]: Point): Point => [
        CENTRE + c * (x - CENTRE) - s * (y - CENTRE),
        CENTRE + s * (x - CENTRE) + c * (y - CENTRE),
      ];
      expect(keypointError(faces[0].keypoints, upright.keypoints, turn)).toBeLessThan(0.2);
    }
  });

  it("finds a face cut by the photo's edge, which it missed without windows reaching past the edge", async () => {
    for (const [left, top] of [
      [-50, 140],
      [330, -50],
    ]) {
      expect(await detectIn(canvas(left, top), { edgeMargin: 0, secondLookFrom: 0.75 })).toHaveLength(0);
      const faces = await detectIn(canvas(left, top));
      expect(faces).toHaveLength(1); // and not its reflection as well
      expect(Math.min(faces[0].box.left, faces[0].box.top)).toBe(0); // clipped to the photo
    }
    // Cut deeper (30% of the chip off), it is found only by the second look, which sees the photo
    // mirrored past the edge that cuts the face (with black there, the detector before missed it),
    // where the whole face was, clipped to the photo.
    expect(await detectIn(canvas(-60, 140), { secondLookFrom: 0.75 })).toHaveLength(0);
    const [whole] = await detectIn(canvas(140, 140));
    const cut = await detectIn(canvas(-60, 140));
    expect(cut).toHaveLength(1);
    const right = whole.box.left + whole.box.width - 200;
    expect(iou(cut[0].box, { left: 0, top: whole.box.top, width: right, height: whole.box.height })).toBeGreaterThan(
      0.6,
    );
    // a whole face beside the edge is found once, not again as its reflection
    expect(await detectIn(canvas(4, 140))).toHaveLength(1);
    expect(await detectIn(tf.fill([SIDE, 640, 3], 128) as tf.Tensor3D)).toHaveLength(0);
  });

  it('finds nothing, without failing, in a 1x1 or 1-pixel-high image', async () => {
    expect(await detectIn(tf.fill([1, 1, 3], 128) as tf.Tensor3D)).toEqual([]);
    expect(await detectIn(tf.fill([1, 300, 3], 128) as tf.Tensor3D)).toEqual([]);
  });

  it('goes through every window when there are more than one call of the model takes', async () => {
    const image = canvas(140, 140);
    try {
      const [plain] = await detector.detectInWindows(image, [{ x: 40, y: 40, size: 400, minFaceFraction: 0 }]);
      const empty = { x: 0, y: 0, size: 100, minFaceFraction: 0 }; // a corner with no face
      const faces = await detector.detectInWindows(image, [
        ...Array<typeof empty>(150).fill(empty),
        { x: 40, y: 40, size: 400, minFaceFraction: 0 },
      ]);
      expect(faces).toHaveLength(1);
      expect(iou(faces[0].box, plain.box)).toBeGreaterThan(0.99);
    } finally {
      image.dispose();
    }
  });

  it('finds a face filling a tight crop from largeFaceScore on, which scoreThreshold alone misses', async () => {
    const tight = () => chip.slice([45, 40, 0], [120, 120, 3]); // the face fills the photo, as in many profile pictures
    expect(await detectIn(tight(), { largeFaceScore: 0.75 })).toHaveLength(0);
    expect(await detectIn(tight(), { largeFaceSide: 1.5 })).toHaveLength(0); // no face counts as large
    const faces = await detectIn(tight());
    expect(faces).toHaveLength(1);
    expect(faces[0].score).toBeGreaterThanOrEqual(0.65);
    expect(faces[0].score).toBeLessThan(0.75);
    expect(faces[0].box.width).toBeGreaterThan(0.65 * 120);
  });

  it('finds a face squeezed to half its width (a head turned away) by a second look stretched across', async () => {
    const [left, top, width] = [150, 100, 100];
    expect(await detectIn(canvas(left, top, width, 200), { secondLookStretch: 1 })).toHaveLength(0);
    const faces = await detectIn(canvas(left, top, width, 200));
    expect(faces).toHaveLength(1);
    // in the photo's pixels, not the stretched window's: as narrow as the face, and the eyes on it
    const { box, keypoints } = faces[0];
    expect(box.height / box.width).toBeGreaterThan(1.3);
    expect(box.left).toBeGreaterThan(left - 20);
    expect(box.left + box.width).toBeLessThan(left + width + 20);
    for (const [x, y] of [keypoints.rightEye, keypoints.leftEye])
      expect(x > left && x < left + width && y > top && y < top + 200).toBe(true);
  });
});
