// FaceTracker: steady labels on video. Each frame's faces are matched to the faces of earlier
// frames by box overlap, and box, age, interval and gender probability are averaged over time,
// so labels do not flicker from frame to frame. A box's centre is averaged with its motion (Holt's
// linear smoothing), so a box keeps up with a moving face instead of trailing it. A face's age and
// gender do not change while it stays in view, so its estimates are averaged over many of them:
// the small shifts of its box from frame to frame move a single estimate by a year or more.
import type { FaceAnalysis } from './analyze';
import { type Box, iou, type Point } from './geometry';
import { GENDER_UNCERTAIN, genderCall } from './interval';

export interface TrackedFace extends FaceAnalysis {
  /** Stable across frames while the face stays in view. */
  id: number;
}

export interface TrackerOptions {
  /** Weight of the newest frame in the box's running average (1: no smoothing). */
  alpha: number;
  /**
   * A face's estimates (age, interval, gender probability) are the mean of all of them up to this many, then an
   * exponential average weighing the newest 1/estimateMemory (1: the newest alone).
   */
  estimateMemory: number;
  /** Weight of the newest frame in a box's averaged motion (pixels a frame). */
  beta: number;
  /**
   * Frames a box is drawn ahead along its motion: the video shown has moved on while a frame was analysed, so
   * a box drawn where the face was trails it.
   */
  lead: number;
  /** Boxes overlapping at least this much (IoU) are the same face. */
  minOverlap: number;
  /** A face not seen for this many frames is dropped. */
  maxMissedFrames: number;
  /** The model's "uncertain" gender band (its calibration.gender_uncertain), for the averaged probability. */
  genderUncertain: readonly [number, number];
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  alpha: 0.3,
  estimateMemory: 20,
  beta: 0.3,
  lead: 1,
  minOverlap: 0.3,
  maxMissedFrames: 5,
  genderUncertain: GENDER_UNCERTAIN,
};

/**
 * `estimate`: the last estimate fed in (a live pipeline feeds the same one on the frames between estimates), and
 * `estimates` how many different ones were averaged; `centre` and `motion`: the box centre's running average and
 * its motion a frame (the face's box is drawn `lead` frames ahead of the average).
 */
interface Track {
  face: TrackedFace;
  missed: number;
  estimate: FaceAnalysis;
  estimates: number;
  centre: Point;
  motion: Point;
}

const centreOf = (b: Box): Point => [b.left + b.width / 2, b.top + b.height / 2];

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
    const { alpha, beta, lead, minOverlap, maxMissedFrames } = this.opts;
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
        seen.push({
          face: { ...face, id: this.nextId++ },
          missed: 0,
          estimate: face,
          estimates: 1,
          centre: centreOf(face.box),
          motion: [0, 0],
        });
        continue;
      }
      unmatched.delete(best);
      const f = best.face;
      // The estimates are averaged over estimates, not frames: one repeated on the frames between counts once.
      const fresh = face.age !== best.estimate.age || face.femaleProbability !== best.estimate.femaleProbability;
      if (fresh) best.estimates++;
      const a = fresh ? Math.max(1 / best.estimates, 1 / this.opts.estimateMemory) : 0;
      best.estimate = face;
      const femaleProbability = blend(f.femaleProbability, face.femaleProbability, a);
      // Holt: the average moves on by its motion, then towards what was seen; the motion follows the average's steps.
      const seenCentre = centreOf(face.box);
      const centre = best.centre.map((c, k) => blend(c + best!.motion[k], seenCentre[k], alpha)) as Point;
      best.motion = best.motion.map((m, k) => blend(m, centre[k] - best!.centre[k], beta)) as Point;
      best.centre = centre;
      const width = blend(f.box.width, face.box.width, alpha);
      const height = blend(f.box.height, face.box.height, alpha);
      best.face = {
        ...face,
        id: f.id,
        box: {
          left: centre[0] + lead * best.motion[0] - width / 2,
          top: centre[1] + lead * best.motion[1] - height / 2,
          width,
          height,
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
