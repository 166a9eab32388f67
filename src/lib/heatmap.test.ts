import { describe, expect, it } from 'vitest';
import { heatmapColour, outlinePixels } from './heatmap';

describe('how a saliency map is shown', () => {
  it('is clear at 0, opaque yellow at 1, and never of a skin hue (pink, red, orange) on the way', () => {
    expect(heatmapColour(0)[3]).toBe(0);
    expect(heatmapColour(1)).toEqual([253, 231, 37, 255]);
    for (let v = 0; v <= 1; v += 0.01) {
      const [r, g, b, a] = heatmapColour(v);
      const [max, min] = [Math.max(r, g, b), Math.min(r, g, b)];
      const hue =
        max === r
          ? (60 * (g - b)) / (max - min)
          : max === g
            ? 120 + (60 * (b - r)) / (max - min)
            : 240 + (60 * (r - g)) / (max - min);
      expect((hue + 360) % 360, `${v}: rgb(${r}, ${g}, ${b})`).toBeGreaterThan(50);
      expect((hue + 360) % 360, `${v}: rgb(${r}, ${g}, ${b})`).toBeLessThan(300);
      expect(a).toBeGreaterThanOrEqual(heatmapColour(Math.max(0, v - 0.01))[3]);
    }
  });

  it("outlines a face's edges: a light square on dark shows its border, not its inside or the dark around", () => {
    const side = 20;
    const rgba = new Uint8ClampedArray(side * side * 4);
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++)
        rgba.set(x >= 5 && x < 15 && y >= 5 && y < 15 ? [200, 180, 160, 255] : [20, 20, 20, 255], (y * side + x) * 4);
    const outline = outlinePixels(rgba, side, side, 0.2);
    const drawn = (x: number, y: number): boolean => outline[(y * side + x) * 4 + 3] > 0;
    expect(drawn(5, 10) || drawn(4, 10)).toBe(true);
    expect(drawn(10, 10)).toBe(false);
    expect(drawn(0, 0)).toBe(false);
  });
});
