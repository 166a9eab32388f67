// LiveFaceAnalyzer: faces on video at camera speed. The whole tiled search (detect.ts) runs about 30
// BlazeFace windows on a 640x480 frame, mostly to find faces already known. Here it runs on the first
// frame, every `fullSearchEvery` frames and whenever a followed face is lost; in between, each face is
// found again through one window centred where its motion puts it, every `newFaceSearchEvery` frames
// the coarse windows of a search for faces of at least `newFaceMin` of the frame join that same batched
// call (faces coming into view), and the model estimates a face again only every `estimateEvery`
// frames, the tracker smoothing in between.
import type * as tf from '@tensorflow/tfjs';
import type { FaceAnalysis, FaceAnalyzer } from './analyze';
import type { DetectedFace, DetectionWindow } from './detect';
import { type Box, iou } from './geometry';
import { GENDER_UNCERTAIN } from './interval';
import { FaceTracker, type TrackedFace, type TrackerOptions } from './track';

export interface LiveOptions {
  /** A full search at least this often (frames), for small faces that came into view. */
  fullSearchEvery: number;
  /** A coarse search for faces coming into view this often (frames)... */
  newFaceSearchEvery: number;
  /** ...for faces at least this fraction of the frame's longer side. */
  newFaceMin: number;
  /** Side of the window a followed face is looked for in, per side of its last box. */
  windowPerFace: number;
  /** A followed face is estimated again every this many frames. */
  estimateEvery: number;
  /** At most this many faces, largest first. */
  maxFaces: number;
  /** A face is the same as the one followed if their boxes overlap at least this much (IoU, after the motion). */
  minOverlap: number;
  tracker: Partial<TrackerOptions>;
}

export const DEFAULT_LIVE_OPTIONS: LiveOptions = {
  fullSearchEvery: 30,
  newFaceSearchEvery: 5,
  newFaceMin: 0.08,
  windowPerFace: 2.5,
  estimateEvery: 3,
  maxFaces: 5,
  minOverlap: 0.3,
  tracker: {},
};

interface Followed {
  face: FaceAnalysis;
  dx: number;
  dy: number;
  estimatedAt: number;
}

const centre = (b: Box): [number, number] => [b.left + b.width / 2, b.top + b.height / 2];
const moved = (b: Box, dx: number, dy: number): Box => ({ ...b, left: b.left + dx, top: b.top + dy });

export class LiveFaceAnalyzer {
  private followed: Followed[] = [];
  private frame = 0;
  private lastFullSearch = -Infinity;
  private readonly tracker: FaceTracker;
  private readonly opts: LiveOptions;

  constructor(
    private readonly analyzer: FaceAnalyzer,
    options: Partial<LiveOptions> = {},
  ) {
    this.opts = { ...DEFAULT_LIVE_OPTIONS, ...options };
    const genderUncertain = analyzer.model.metadata.calibration.gender_uncertain ?? GENDER_UNCERTAIN;
    this.tracker = new FaceTracker({ genderUncertain, ...this.opts.tracker });
  }

  /** The faces in the next frame of a video (RGB [h, w, 3]), smoothed, with ids that stay while a face is in view. The caller keeps the frame. */
  async next(frame: tf.Tensor3D): Promise<TrackedFace[]> {
    const i = this.frame++;
    const due = i - this.lastFullSearch >= this.opts.fullSearchEvery; // the first frame too
    const faces = (due ? null : await this.follow(frame, i)) ?? (await this.fullSearch(frame, i));
    return this.tracker.update(faces);
  }

  private async fullSearch(frame: tf.Tensor3D, i: number): Promise<FaceAnalysis[]> {
    this.lastFullSearch = i;
    const faces = await this.analyzer.analyze(frame, { maxFaces: this.opts.maxFaces });
    // Estimated now; staggered so that later frames each estimate some of the faces, not all of them every few frames.
    this.followed = faces.map((face, k) => ({
      ...this.continued(
        this.match(face.box, this.followed, (f) => f.face.box),
        face,
        i,
      ),
      estimatedAt: i - (k % this.opts.estimateEvery),
    }));
    return faces;
  }

  /** Each followed face found again through one window (and faces coming into view), or null if one was lost (a full search is due). */
  private async follow(frame: tf.Tensor3D, i: number): Promise<FaceAnalysis[] | null> {
    const windows = this.followed.map(({ face: { box }, dx, dy }): DetectionWindow => {
      const side = this.opts.windowPerFace * Math.max(box.width, box.height);
      const [cx, cy] = centre(moved(box, dx, dy));
      return { x: cx - side / 2, y: cy - side / 2, size: side, minFaceFraction: 1 / (2 * this.opts.windowPerFace) };
    });
    const [height, width] = frame.shape;
    if (i % this.opts.newFaceSearchEvery === 0) {
      windows.push(
        ...this.analyzer.detector.searchWindows(width, height, {
          minFace: this.opts.newFaceMin * Math.max(width, height),
        }),
      );
    }
    const detected = await this.analyzer.detector.detectInWindows(frame, windows);
    const pairs: [Followed | undefined, DetectedFace][] = [];
    for (const f of this.followed) {
      const det = this.match(
        moved(f.face.box, f.dx, f.dy),
        detected.filter((d) => !pairs.some(([, taken]) => taken === d)),
        (d) => d.box,
      );
      if (!det) return null;
      pairs.push([f, det]);
    }
    for (const d of detected) {
      // largest first: faces that came into view
      if (pairs.length >= this.opts.maxFaces) break;
      if (pairs.every(([, taken]) => iou(taken.box, d.box) < this.opts.minOverlap)) pairs.push([undefined, d]);
    }
    const due = pairs.filter(([f]) => !f || i - f.estimatedAt >= this.opts.estimateEvery);
    const estimated = await this.analyzer.estimateDetected(
      frame,
      due.map(([, det]) => det),
    );
    this.followed = pairs.map(([f, det]) => {
      const k = due.findIndex(([g, d]) => g === f && d === det);
      const face = k >= 0 ? estimated[k] : { ...f!.face, box: det.box, keypoints: det.keypoints, score: det.score };
      return { ...this.continued(f, face, i), estimatedAt: k >= 0 ? i : f!.estimatedAt };
    });
    return this.followed.map((f) => f.face);
  }

  /** The item whose box overlaps `box` most, if at least minOverlap. */
  private match<T>(box: Box, items: T[], boxOf: (item: T) => Box): T | undefined {
    let best: T | undefined;
    let bestOverlap = this.opts.minOverlap;
    for (const item of items) {
      const overlap = iou(box, boxOf(item));
      if (overlap >= bestOverlap) [best, bestOverlap] = [item, overlap];
    }
    return best;
  }

  /** `face` as the continuation of `before` (if any): its motion since, per frame. */
  private continued(before: Followed | undefined, face: FaceAnalysis, i: number): Followed {
    if (!before) return { face, dx: 0, dy: 0, estimatedAt: i };
    const [[x0, y0], [x1, y1]] = [centre(before.face.box), centre(face.box)];
    return { face, dx: x1 - x0, dy: y1 - y0, estimatedAt: before.estimatedAt };
  }
}
