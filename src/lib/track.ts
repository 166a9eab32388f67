// FaceTracker: steady labels on video. Each frame's faces are matched to the faces of earlier
// frames by box overlap, and box, age, interval and gender probability are averaged over time
// (exponentially), so labels do not flicker from frame to frame.
import type { FaceAnalysis } from './analyze';
import { iou } from './geometry';
import { GENDER_UNCERTAIN, genderCall } from './interval';

export interface TrackedFace extends FaceAnalysis {
  /** Stable across frames while the face stays in view. */
  id: number;
}

export interface TrackerOptions {
  /** Weight of the newest frame in the running averages (1: no smoothing). */
  alpha: number;
  /** Boxes overlapping at least this much (IoU) are the same face. */
  minOverlap: number;
  /** A face not seen for this many frames is dropped. */
  maxMissedFrames: number;
  /** The model's "uncertain" gender band (its calibration.gender_uncertain), for the averaged probability. */
  genderUncertain: readonly [number, number];
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  alpha: 0.3,
  minOverlap: 0.3,
  maxMissedFrames: 5,
  genderUncertain: GENDER_UNCERTAIN,
};

/** `estimate`: the last estimate fed in (a live pipeline feeds the same one on the frames between estimates). */
interface Track {
  face: TrackedFace;
  missed: number;
  estimate: FaceAnalysis;
}

const blend = (a: number, b: number, alpha: number): number => a + alpha * (b - a);

export class FaceTracker {
  private tracks: Track[] = [];
  private nextId = 0;
  private readonly opts: TrackerOptions;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.opts = { ...DEFAULT_TRACKER_OPTIONS, ...options };
  }

  /** Feed one frame's faces; returns the faces currently in view, smoothed. */
  update(faces: FaceAnalysis[]): TrackedFace[] {
    const { alpha, minOverlap, maxMissedFrames } = this.opts;
    const unmatched = new Set(this.tracks);
    const seen: Track[] = [];
    for (const face of faces) {
      let best: Track | undefined;
      let bestOverlap = minOverlap;
      for (const t of unmatched) {
        const overlap = iou(t.face.box, face.box);
        if (overlap >= bestOverlap) {
          best = t;
          bestOverlap = overlap;
        }
      }
      if (!best) {
        seen.push({ face: { ...face, id: this.nextId++ }, missed: 0, estimate: face });
        continue;
      }
      unmatched.delete(best);
      const f = best.face;
      // The estimates are averaged over estimates, not frames: one repeated on the frames between counts once.
      const fresh = face.age !== best.estimate.age || face.femaleProbability !== best.estimate.femaleProbability;
      const a = fresh ? alpha : 0;
      best.estimate = face;
      const femaleProbability = blend(f.femaleProbability, face.femaleProbability, a);
      best.face = {
        ...face,
        id: f.id,
        box: {
          left: blend(f.box.left, face.box.left, alpha),
          top: blend(f.box.top, face.box.top, alpha),
          width: blend(f.box.width, face.box.width, alpha),
          height: blend(f.box.height, face.box.height, alpha),
        },
        age: blend(f.age, face.age, a),
        ageLow: blend(f.ageLow, face.ageLow, a),
        ageHigh: blend(f.ageHigh, face.ageHigh, a),
        femaleProbability,
        gender: genderCall(femaleProbability, this.opts.genderUncertain),
      };
      best.missed = 0;
      seen.push(best);
    }
    for (const t of unmatched) if (++t.missed <= maxMissedFrames) seen.push(t);
    this.tracks = seen;
    return seen.filter((t) => t.missed === 0).map((t) => t.face);
  }
}
