// Face boxes and numbers over a photo, sized in screen pixels whatever the photo's size: the boxes are
// placed in percent of the photo (they follow it as it scales) and drawn with a border of a few CSS
// pixels; each number sits on a small chip at a corner of its box, wholly inside the photo, over no
// other chip and, where the photo has room, over no face's middle.
import { type Box, boxesOverlap } from '../lib/geometry';

/** A rectangle in percent of the photo's width (left, width) and height (top, height). */
export interface PercentBox {
  left: number;
  top: number;
  width: number;
  height: number;
}
export interface FaceOverlay {
  box: PercentBox;
  chip: PercentBox;
}

/** The chip's size in CSS pixels for a number of `digits` digits (the component's CSS draws it at this size). */
export const chipSize = (digits: number): { width: number; height: number } => ({ width: 8 + 8 * digits, height: 18 });

/** The middle of a face (its central half each way): what a chip must not hide. */
const middle = (b: Box): Box => ({
  left: b.left + b.width / 4,
  top: b.top + b.height / 4,
  width: b.width / 2,
  height: b.height / 2,
});

/**
 * Each face's box and number chip, in percent of a photo of `photo` pixels shown `shown` CSS pixels large.
 * Boxes are clipped to the photo (a face cut by its edge). A chip goes at the first of its box's corners
 * (outside above or below, outside beside, then inside) that lies in the photo over no face's middle and no
 * chip placed before it; failing that, over no face's centre (and no chip, if it can); else just inside the
 * top-left corner.
 */
export function photoOverlay(
  faces: Box[],
  photo: { width: number; height: number },
  shown: { width: number; height: number },
): FaceOverlay[] {
  const sx = shown.width / photo.width;
  const sy = shown.height / photo.height;
  const clamp = (v: number, max: number): number => Math.min(Math.max(0, v), max);
  const onScreen = faces.map((b) => {
    const [left, top] = [clamp(b.left, photo.width), clamp(b.top, photo.height)];
    const [right, bottom] = [clamp(b.left + b.width, photo.width), clamp(b.top + b.height, photo.height)];
    return { left: left * sx, top: top * sy, width: (right - left) * sx, height: (bottom - top) * sy };
  });
  const middles = onScreen.map(middle);
  const centres = onScreen.map((b) => ({ left: b.left + b.width / 2, top: b.top + b.height / 2, width: 0, height: 0 }));
  const chips: Box[] = [];
  for (const [i, b] of onScreen.entries()) {
    const { width, height } = chipSize(String(i + 1).length);
    const [left, right, before, after] = [b.left, b.left + b.width - width, b.left - width, b.left + b.width];
    const [above, below, top, bottom] = [b.top - height, b.top + b.height, b.top, b.top + b.height - height];
    const corners = [
      [left, above],
      [right, above],
      [left, below],
      [right, below], // outside, above or below
      [before, top],
      [after, top],
      [before, bottom],
      [after, bottom], // outside, beside
      [left, top],
      [right, top],
      [left, bottom],
      [right, bottom], // inside
    ]
      .map(([l, t]) => ({ left: l, top: t, width, height }))
      .filter((c) => c.left >= 0 && c.top >= 0 && c.left + width <= shown.width && c.top + height <= shown.height);
    const over = (faces: Box[]) => (c: Box) => !faces.some((m) => boxesOverlap(c, m));
    const [clearOfMiddles, clearOfCentres] = [over(middles), over(centres)];
    const free = (c: Box): boolean => !chips.some((p) => boxesOverlap(c, p));
    const chip = corners.find((c) => clearOfMiddles(c) && free(c)) ??
      corners.find((c) => clearOfCentres(c) && free(c)) ??
      corners.find(clearOfCentres) ?? {
        left: Math.min(Math.max(0, left), shown.width - width),
        top: Math.min(Math.max(0, top), shown.height - height),
        width,
        height,
      };
    chips.push(chip);
  }
  const percent = (b: Box): PercentBox => ({
    left: (100 * b.left) / shown.width,
    top: (100 * b.top) / shown.height,
    width: (100 * b.width) / shown.width,
    height: (100 * b.height) / shown.height,
  });
  return onScreen.map((box, i) => ({ box: percent(box), chip: percent(chips[i]) }));
}
