// Boxes and points in image pixels, shared by every stage that places faces: detection, alignment,
// tracking, label layout and the pixel policy that gives faces back in the file's pixels.

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}
export type Point = [number, number];

/** Whether two boxes share any area (touching edges do not count). */
export const boxesOverlap = (a: Box, b: Box): boolean =>
  a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;

/** Intersection over union of two boxes, 0..1. */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
  const h = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** `face` (and whatever else it carries) with its box and keypoints stretched by sx across and sy down. */
export function scaleFace<T extends { box: Box; keypoints: object }>(face: T, sx: number, sy: number): T {
  const { box } = face;
  const keypoints = Object.fromEntries(
    Object.entries(face.keypoints as Record<string, Point>).map(([k, [x, y]]) => [k, [x * sx, y * sy]]),
  );
  return {
    ...face,
    box: { left: box.left * sx, top: box.top * sy, width: box.width * sx, height: box.height * sy },
    keypoints: keypoints as T['keypoints'],
  };
}
