import { describe, expect, it } from 'vitest';
import type { FaceAnalysis } from './analyze';
import { FaceTracker } from './track';

function face(left: number, age: number, femaleProbability: number): FaceAnalysis {
  return {
    box: { left, top: 10, width: 50, height: 50 },
    keypoints: { rightEye: [0, 0], leftEye: [0, 0], nose: [0, 0], mouth: [0, 0], rightEar: [0, 0], leftEar: [0, 0] },
    score: 0.9,
    age,
    ageLow: age - 10,
    ageHigh: age + 10,
    gender: femaleProbability >= 0.5 ? 'female' : 'male',
    femaleProbability,
    oldScan: false,
  };
}

describe('FaceTracker', () => {
  it('keeps a face its id and smooths its age and gender across frames', () => {
    const tracker = new FaceTracker({ alpha: 0.5, beta: 0, lead: 0 }); // beta 0: no motion, the box a plain running average;
    const [first] = tracker.update([face(100, 30, 0.4)]);
    const [second] = tracker.update([face(104, 40, 0.7)]); // the same face, moved a little
    expect(second.id).toBe(first.id);
    expect(second.age).toBe(35);
    expect(second.femaleProbability).toBeCloseTo(0.55);
    expect(second.gender).toBe('uncertain'); // 0.55 is too close to call
    expect(second.box.left).toBe(102);
  });

  it('averages over estimates, not frames: an estimate repeated on the frames between counts once', () => {
    const tracker = new FaceTracker({ alpha: 0.5, beta: 0, lead: 0 });
    tracker.update([face(100, 30, 0.2)]);
    const newer = face(100, 40, 0.2);
    expect(tracker.update([newer])[0].age).toBe(35);
    expect(tracker.update([newer])[0].age).toBe(35); // the same estimate again: the average holds
    expect(tracker.update([{ ...newer, box: { ...newer.box, left: 110 } }])[0].box.left).toBe(105); // the box still follows every frame
    expect(tracker.update([face(110, 20, 0.2)])[0].age).toBe(30); // the mean of the three estimates
  });

  it("holds a still face's age steady though its estimates jitter: their mean, then an average over estimateMemory", () => {
    // Estimates of one face 40 years old that a box moved by a few pixels shifts by up to 4 years either way.
    const jitter = [3, -4, 2, -1, 4, -3, 1, -2, 0, 3, -4, 2, -1, 4, -3, 1, -2, 0, 3, -3];
    const shown = (memory: number): number[] => {
      const tracker = new FaceTracker({ estimateMemory: memory, beta: 0, lead: 0 });
      return [...jitter, ...jitter].map((d) => tracker.update([face(100, 40 + d, 0.2)])[0].age);
    };
    const range = (ages: number[]): number => Math.max(...ages) - Math.min(...ages);
    expect(range(shown(1).slice(10))).toBe(8); // the newest alone: every jump shows
    expect(range(shown(20).slice(10))).toBeLessThan(1.5);
    expect(shown(20)[jitter.length - 1]).toBeCloseTo(40, 5); // these 20 sum to nothing
    // Past estimateMemory estimates, a new one weighs 1/estimateMemory: a face's label can still change.
    const tracker = new FaceTracker({ estimateMemory: 20, beta: 0, lead: 0 });
    for (let i = 0; i < 25; i++) tracker.update([face(100, 40 + (i % 2), 0.2)]);
    const before = tracker.update([face(100, 40, 0.2)])[0].age;
    expect(tracker.update([face(100, 60, 0.2)])[0].age).toBeCloseTo(before + (60 - before) / 20, 5);
  });

  it('gives a new face a new id, and forgets a face missing for too many frames', () => {
    const tracker = new FaceTracker({ maxMissedFrames: 2 });
    const [a] = tracker.update([face(0, 30, 0.1)]);
    const both = tracker.update([face(0, 30, 0.1), face(300, 60, 0.9)]);
    expect(both.map((f) => f.id)).toEqual([a.id, a.id + 1]);
    tracker.update([]);
    tracker.update([]);
    expect(tracker.update([face(0, 50, 0.1)])[0].id).toBe(a.id); // missed twice: still known
    tracker.update([]);
    tracker.update([]);
    tracker.update([]);
    expect(tracker.update([face(0, 50, 0.1)])[0].id).not.toBe(a.id);
  });

  it('keeps up with a face that moves: its box is drawn where the face is now, not where it was', () => {
    // a face panning 12 px a frame; the plain running average (v1.0) trailed it by 28 px, over half a box
    const centre = (t: FaceTracker, k: number): number => t.update([face(100 + 12 * k, 30, 0.5)])[0].box.left + 25;
    const now = new FaceTracker({ lead: 0 });
    const ahead = new FaceTracker(); // lead 1: one frame on, where the video shown has got to
    let k = 0;
    for (; k < 20; k++) {
      centre(now, k);
      centre(ahead, k);
    }
    const seen = 100 + 12 * k + 25;
    expect(Math.abs(centre(now, k) - seen)).toBeLessThan(2);
    expect(Math.abs(centre(ahead, k) - (seen + 12))).toBeLessThan(2);
  });

  it('holds a still face still, though its detections jitter', () => {
    const tracker = new FaceTracker();
    const lefts = Array.from(
      { length: 40 },
      (_, k) => tracker.update([face(100 + (k % 2 ? 3 : -3), 30, 0.5)])[0].box.left,
    );
    const settled = lefts.slice(20);
    expect(Math.max(...settled) - Math.min(...settled)).toBeLessThan(6); // the detections span 6 px
  });
});
