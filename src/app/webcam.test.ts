import { describe, expect, it } from 'vitest';
import type { TrackedFace } from '../lib/track';
import { LABEL_FONT_PX, webcamLabels } from './webcam';

const face = (left: number, width: number): TrackedFace =>
  ({
    id: left,
    box: { left, top: 200, width, height: width },
    age: 31.4,
    ageLow: 24,
    ageHigh: 41,
    gender: 'female',
    femaleProbability: 0.93,
  }) as TrackedFace;

describe('webcamLabels', () => {
  it('keeps labels readable on a phone: at least 12 screen pixels, whatever the camera resolution', () => {
    const faces = [face(40, 60), face(300, 240)];
    for (const shownWidth of [390, 1280]) {
      const scale = shownWidth / 1280;
      for (const label of webcamLabels(faces, 1280, 720, shownWidth)) {
        expect(label.fontSize * scale).toBeGreaterThanOrEqual(LABEL_FONT_PX.min - 1e-9);
        expect(label.fontSize * scale).toBeLessThanOrEqual(LABEL_FONT_PX.max + 1e-9);
      }
    }
    // the big face's label grows with its box on screen, up to the maximum
    const [small, big] = webcamLabels(faces, 1280, 720, 1280);
    expect(small.fontSize).toBe(LABEL_FONT_PX.min);
    expect(big.fontSize).toBe(LABEL_FONT_PX.max);
    expect(big.text).toBe('31 (24–41) · F 93%');
  });
});
