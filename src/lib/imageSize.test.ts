import { describe, expect, it } from 'vitest';
import type { DetectedFace } from './detect';
import { decodedSize, inFilePixels, MAX_SIDE, minFaceDecoded, sizeProblem } from './imageSize';

const face: DetectedFace = {
  box: { left: 10, top: 20, width: 30, height: 40 },
  keypoints: {
    rightEye: [15, 30],
    leftEye: [25, 30],
    nose: [20, 40],
    mouth: [20, 50],
    rightEar: [10, 35],
    leftEar: [40, 35],
  },
  score: 0.9,
};

describe('a photo scaled down to be searched', () => {
  it("gives its faces back in the file's pixels, the rest of each face as it was", () => {
    const size = { ...decodedSize(MAX_SIDE * 2, MAX_SIDE), fileWidth: MAX_SIDE * 2, fileHeight: MAX_SIDE };
    expect(size).toMatchObject({ width: MAX_SIDE, height: MAX_SIDE / 2 });
    const [back] = inFilePixels([face], size);
    expect(back.box).toEqual({ left: 20, top: 40, width: 60, height: 80 });
    expect(back.keypoints.nose).toEqual([40, 80]);
    expect(back.score).toBe(0.9);
    expect(minFaceDecoded(40, size)).toBe(20);
  });

  it('leaves the faces of a photo read at its own size alone', () => {
    const faces = [face];
    expect(inFilePixels(faces, { width: 640, height: 480, fileWidth: 640, fileHeight: 480 })).toBe(faces);
  });
});

describe('the sizes a photo is refused at', () => {
  it('refuses decompression bombs and images too small for a face, and reads the rest', () => {
    expect(sizeProblem(30000, 30000)).toBe(
      'is too large to read: 30000 x 30000 pixels (900 megapixels; at most 200 megapixels and 65535 pixels a side)',
    );
    expect(sizeProblem(70000, 100)).toMatch(/^is too large to read: 70000 x 100 pixels/);
    expect(sizeProblem(19, 400)).toBe('is too small to hold a face (19 x 400 pixels)');
    for (const [w, h] of [
      [20, 20],
      [16000, 12000],
      [65535, 3000],
    ])
      expect(sizeProblem(w, h), `${w} x ${h}`).toBeUndefined();
  });
});
