import { describe, expect, it } from 'vitest';
import { detectionWindows, iou } from './detect';

describe('detectionWindows', () => {
  it('starts with the whole photo (with and without a margin), then covers it with smaller overlapping windows', () => {
    const windows = detectionWindows(500, 375, 100);
    expect(windows.slice(0, 2)).toEqual([{ x: -125, y: -187.5, size: 750, minFaceFraction: 1 / 3 }, { x: 0, y: -62.5, size: 500, minFaceFraction: 0 }]);
    const sizes = [...new Set(windows.map((w) => w.size))];
    expect(sizes).toEqual([750, 500, 250, 125]);
    for (const size of sizes.slice(2)) {
      const level = windows.filter((w) => w.size === size);
      // every point of the photo is inside a window of each level, and no window leaves the photo
      for (const [x, y] of [[0, 0], [499, 374], [250, 187], [137, 301]]) {
        expect(level.some((w) => x >= w.x && x < w.x + size && y >= w.y && y < w.y + size)).toBe(true);
      }
      for (const w of level) expect(w.x >= 0 && w.y >= 0 && w.x + size <= 500 && w.y + size <= 375).toBe(true);
      // neighbours overlap by at least a third, so a face a third of the window wide is whole in one of them
      const xs = [...new Set(level.map((w) => w.x))].sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(xs[i] - xs[i - 1]).toBeLessThanOrEqual((size * 2) / 3 + 1e-9);
    }
  });

  it('stops at the smallest useful window', () => {
    expect(detectionWindows(640, 480, 1000)).toHaveLength(2);
    expect(new Set(detectionWindows(640, 480, 320).map((w) => w.size))).toEqual(new Set([960, 640, 320]));
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
