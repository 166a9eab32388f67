// One pixel policy for every reader of users' images (the page's, the CLI's and the Node library's):
// a photo whose longer side is over MAX_SIDE is decoded scaled down, keeping its aspect, until that
// side is MAX_SIDE. Faces are found on 128 px windows, so nothing larger helps, and a 12,000 px scan
// would take gigabytes as a float tensor. FaceAnalyzer.analyzePhoto gives the faces found on the
// smaller copy back in the file's pixels.
import type * as tf from '@tensorflow/tfjs';
import { type Box, scaleFace } from './geometry';

export const MAX_SIDE = 4096;

/** Files whose header claims more pixels than this, or a side over MAX_FILE_SIDE, are refused without decoding. */
export const MAX_FILE_PIXELS = 200_000_000;
export const MAX_FILE_SIDE = 65535;
/** A photo smaller than this on either side cannot hold a face the detector finds. */
export const MIN_SIDE = 20;

/** An image as decoded, and the size of the file it came from (upright): larger when it was scaled down. */
export interface DecodedSize {
  width: number;
  height: number;
  fileWidth: number;
  fileHeight: number;
}

/** A photo's RGB pixels ([height, width, 3], 0..255) as decoded under this policy, and the file's size. */
export interface DecodedPhoto extends DecodedSize {
  pixels: tf.Tensor3D;
}

/** Raised for a file that is not an image we can read; the message says why in plain words. */
export class ImageReadError extends Error {}

/**
 * Why a file of `width` x `height` pixels is not read, in words that follow its name, or undefined when it
 * is read: too large to decode safely (a decompression bomb, or a scan no photo needs) or too small for a face.
 */
export function sizeProblem(width: number, height: number): string | undefined {
  const size = `${width} x ${height} pixels`;
  if (width * height > MAX_FILE_PIXELS || width > MAX_FILE_SIDE || height > MAX_FILE_SIDE) {
    const megapixels = Math.round((width * height) / 1e6).toLocaleString('en');
    return `is too large to read: ${size} (${megapixels} megapixels; at most ${MAX_FILE_PIXELS / 1e6} megapixels and ${MAX_FILE_SIDE} pixels a side)`;
  }
  if (width < MIN_SIDE || height < MIN_SIDE) return `is too small to hold a face (${size})`;
  return undefined;
}

/** The size an image of `width` x `height` is decoded at. */
export function decodedSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Faces found on a decoded image, with their boxes and keypoints in the file's pixels (as users crop the file). */
export function inFilePixels<T extends { box: Box; keypoints: object }>(faces: T[], size: DecodedSize): T[] {
  const [sx, sy] = [size.fileWidth / size.width, size.fileHeight / size.height];
  return sx === 1 && sy === 1 ? faces : faces.map((f) => scaleFace(f, sx, sy));
}

/** A smallest face given in the file's pixels, in the decoded image's. */
export function minFaceDecoded(minFace: number, size: DecodedSize): number {
  return minFace * (size.width / size.fileWidth);
}
