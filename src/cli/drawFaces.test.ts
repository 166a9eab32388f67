import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { FaceAnalysis } from '../lib/analyze';
import { drawFaces } from './drawFaces';

describe('drawFaces', () => {
  it("draws faces given in the file's pixels where they are on a copy decoded smaller", async () => {
    // a 2000 x 1000 file decoded at 1000 x 500: the face at x 1000..1500 of the file is at 500..750 of the copy
    const img = { data: new Uint8Array(1000 * 500 * 3), width: 1000, height: 500, fileWidth: 2000, fileHeight: 1000 };
    const face = {
      box: { left: 1000, top: 300, width: 500, height: 500 },
      keypoints: {
        rightEye: [1150, 450],
        leftEye: [1350, 450],
        nose: [1250, 550],
        mouth: [1250, 650],
        rightEar: [1010, 500],
        leftEar: [1490, 500],
      },
      score: 0.9,
      age: 30,
      ageLow: 25,
      ageHigh: 36,
      gender: 'female',
      femaleProbability: 0.9,
      oldScan: false,
    } as FaceAnalysis;
    const out = await drawFaces(img, [face], 'photo.jpg', mkdtempSync(join(tmpdir(), 'draw-')));
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([1000, 500]);
    const blue = (x: number, y: number): number => data[(y * info.width + x) * info.channels + 2]; // the box is cyan
    expect(blue(500, 175)).toBeGreaterThan(150); // the box's left edge, in the copy's pixels
    expect(blue(750, 175)).toBeGreaterThan(150); // its right edge
    expect(blue(625, 175)).toBeLessThan(60); // inside the box
    expect(blue(250, 175)).toBeLessThan(60); // outside it
  });
});
