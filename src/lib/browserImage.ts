// Decode a user's image file to an RGB tensor in the browser, with EXIF orientation applied and
// very large photos scaled down to a pixel cap first.
import * as tf from '@tensorflow/tfjs';

export const MAX_PIXELS = 4096 * 4096;

export class ImageReadError extends Error {}

export interface DecodedImage {
  pixels: tf.Tensor3D;
  width: number;
  height: number;
}

export async function decodeImageFile(file: Blob & { name?: string }): Promise<DecodedImage> {
  const label = file.name ?? 'file';
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new ImageReadError(`${label} is not an image this browser can read (JPEG, PNG, WebP, GIF, BMP, AVIF work)`);
  }
  try {
    const scale = Math.min(1, Math.sqrt(MAX_PIXELS / (bitmap.width * bitmap.height)));
    if (scale < 1) {
      const scaled = await createImageBitmap(bitmap, {
        resizeWidth: Math.round(bitmap.width * scale), resizeHeight: Math.round(bitmap.height * scale), resizeQuality: 'high' });
      bitmap.close();
      bitmap = scaled;
    }
    return { pixels: tf.browser.fromPixels(bitmap, 3), width: bitmap.width, height: bitmap.height };
  } finally {
    bitmap.close();
  }
}
