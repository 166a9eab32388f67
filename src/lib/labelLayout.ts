// Where to draw each face's label on a video frame: next to its box, wholly inside the frame, and not over
// another label (faces side by side have labels wider than themselves).
import { type Box, boxesOverlap } from './geometry';

export interface LabelSize {
  width: number;
  height: number;
}
export interface LabelPlace {
  left: number;
  top: number;
}

/**
 * Each label's top-left corner, in the order of `faces`: above its box if there is room, else below it, else
 * just inside its top edge; a label that would cover one placed before it (faces taken from the top) moves
 * down past it. Labels larger than the frame are pinned to its top-left corner.
 */
export function placeLabels(faces: Box[], sizes: LabelSize[], frame: LabelSize): LabelPlace[] {
  const placed: (LabelPlace & LabelSize)[] = [];
  const out: LabelPlace[] = new Array(faces.length);
  const order = faces.map((_, i) => i).sort((a, b) => faces[a].top - faces[b].top);
  for (const i of order) {
    const { width, height } = sizes[i];
    const box = faces[i];
    const clampTop = (t: number): number => Math.max(0, Math.min(t, frame.height - height));
    const left = Math.max(0, Math.min(box.left, frame.width - width));
    const candidates = [box.top - height, box.top + box.height].filter((t) => t >= 0 && t <= frame.height - height);
    candidates.push(clampTop(box.top));
    const free = (top: number): boolean => placed.every((p) => !boxesOverlap(p, { left, top, width, height }));
    let top = candidates.find(free);
    if (top === undefined) {
      // move down from the first place past every label in the way, while the frame has room
      top = candidates[0];
      for (
        let blocker = placed.find((p) => boxesOverlap(p, { left, top: top!, width, height }));
        blocker;
        blocker = placed.find((p) => boxesOverlap(p, { left, top: top!, width, height }))
      ) {
        top = blocker.top + blocker.height;
      }
      if (top > frame.height - height) top = candidates[0];
    }
    placed.push({ left, top, width, height });
    out[i] = { left, top };
  }
  return out;
}
