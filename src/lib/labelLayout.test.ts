import { describe, expect, it } from 'vitest';
import { placeLabels } from './labelLayout';

const FRAME = { width: 640, height: 480 };
const box = (left: number, top: number, size = 100) => ({ left, top, width: size, height: size });

describe('placeLabels', () => {
  it('puts a label above its face when there is room', () => {
    expect(placeLabels([box(200, 200)], [{ width: 150, height: 20 }], FRAME)).toEqual([{ left: 200, top: 180 }]);
  });

  it('keeps labels inside the frame at its edges: below a face at the top, shifted left at the right edge', () => {
    const [top, right] = placeLabels(
      [box(100, 0), box(600, 300, 40)],
      [
        { width: 150, height: 20 },
        { width: 150, height: 20 },
      ],
      FRAME,
    );
    expect(top).toEqual({ left: 100, top: 100 });
    expect(right).toEqual({ left: 490, top: 280 });
  });

  it('never lets two labels overlap, even for faces side by side with labels wider than they are', () => {
    const faces = [box(100, 200, 60), box(170, 205, 60), box(240, 198, 60)];
    const sizes = faces.map(() => ({ width: 160, height: 22 }));
    const places = placeLabels(faces, sizes, FRAME);
    for (let a = 0; a < places.length; a++) {
      expect(places[a].left + 160).toBeLessThanOrEqual(FRAME.width);
      for (let b = a + 1; b < places.length; b++) {
        const apart =
          places[a].left + 160 <= places[b].left ||
          places[b].left + 160 <= places[a].left ||
          places[a].top + 22 <= places[b].top ||
          places[b].top + 22 <= places[a].top;
        expect(apart, `labels ${a} and ${b}`).toBe(true);
      }
    }
  });
});
