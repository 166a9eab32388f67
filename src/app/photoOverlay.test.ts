import { describe, expect, it } from 'vitest';
import { chipSize, photoOverlay } from './photoOverlay';

const contains = (r: { left: number; top: number; width: number; height: number }, [x, y]: [number, number]) =>
  x >= r.left && x <= r.left + r.width && y >= r.top && y <= r.top + r.height;

describe('photoOverlay', () => {
  it('places boxes in percent of the photo, whatever its size', () => {
    const [o] = photoOverlay(
      [{ left: 4500, top: 900, width: 900, height: 1800 }],
      { width: 9000, height: 9000 },
      { width: 420, height: 420 },
    );
    expect(o.box).toEqual({ left: 50, top: 10, width: 10, height: 20 });
  });

  it('keeps each number chip inside the photo, over no face centre when there is room', () => {
    // a face at the very top (the "1" used to be clipped above the photo) and small faces side by side
    const faces = [
      { left: 10, top: 0, width: 60, height: 60 },
      ...Array.from({ length: 8 }, (_, k) => ({ left: 100 + 40 * k, top: 200, width: 30, height: 30 })),
    ];
    const shown = { width: 420, height: 280 };
    const overlay = photoOverlay(faces, shown, shown);
    for (const [i, { chip }] of overlay.entries()) {
      expect(chip.left).toBeGreaterThanOrEqual(0);
      expect(chip.top).toBeGreaterThanOrEqual(0);
      expect(chip.left + chip.width).toBeLessThanOrEqual(100 + 1e-9);
      expect(chip.top + chip.height).toBeLessThanOrEqual(100 + 1e-9);
      expect(chip.height).toBeCloseTo((100 * chipSize(String(i + 1).length).height) / shown.height);
      for (const f of faces) {
        const centre: [number, number] = [(100 * (f.left + f.width / 2)) / 420, (100 * (f.top + f.height / 2)) / 280];
        expect(contains(chip, centre), `chip ${i + 1} over a face centre`).toBe(false);
      }
    }
  });

  it('finds a place over no face for every number in a crowd of small faces (a group photo on a phone)', () => {
    const faces = Array.from({ length: 24 }, (_, k) => ({
      left: 20 + 45 * (k % 6),
      top: 30 + 45 * Math.floor(k / 6),
      width: 17,
      height: 17,
    }));
    const shown = { width: 340, height: 264 };
    for (const [i, { chip }] of photoOverlay(faces, shown, shown).entries())
      for (const f of faces) {
        const centre: [number, number] = [
          (100 * (f.left + f.width / 2)) / shown.width,
          (100 * (f.top + f.height / 2)) / shown.height,
        ];
        expect(contains(chip, centre), `chip ${i + 1} over a face centre`).toBe(false);
      }
  });

  it('clips a box cut by the photo edge', () => {
    const [o] = photoOverlay(
      [{ left: -50, top: 80, width: 100, height: 40 }],
      { width: 200, height: 100 },
      { width: 200, height: 100 },
    );
    expect(o.box).toEqual({ left: 0, top: 80, width: 25, height: 20 });
    // a box wholly outside the photo shrinks to its edge, never a negative size
    const [outside] = photoOverlay(
      [{ left: 250, top: -80, width: 50, height: 50 }],
      { width: 200, height: 100 },
      { width: 200, height: 100 },
    );
    expect(outside.box).toEqual({ left: 100, top: 0, width: 0, height: 0 });
  });
});
