// One pixel policy for every reader of users' images (the browser's and the CLI's): a photo whose
// longer side is over MAX_SIDE is scaled down, keeping its aspect, until that side is MAX_SIDE.
// Faces are found on 128 px windows, so nothing larger helps, and a 12,000 px scan would take
// gigabytes as a float tensor. Faces found on the smaller copy are given back in the file's pixels.

import { type DetectedFace, scaleFace } from './detect';

export const MAX_SIDE = 4096;

/** An image as decoded, and the size of the file it came from (upright): larger when it was scaled down. */
export interface DecodedSize {
  width: number;
  height: number;
  fileWidth: number;
  fileHeight: number;
}

/** The size an image of `width` x `height` is decoded at. */
export function decodedSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Faces found on a decoded image, with their boxes and keypoints in the file's pixels (as users crop the file). */
export function inFilePixels<T extends Pick<DetectedFace, 'box' | 'keypoints'>>(faces: T[], size: DecodedSize): T[] {
  const [sx, sy] = [size.fileWidth / size.width, size.fileHeight / size.height];
  return sx === 1 && sy === 1 ? faces : faces.map((f) => scaleFace(f, sx, sy));
}

/** A smallest face given in the file's pixels, in the decoded image's. */
export function minFaceDecoded(minFace: number, size: DecodedSize): number {
  return minFace * (size.width / size.fileWidth);
}
