// Decode a user's image file to an RGB tensor in the browser, with EXIF orientation applied and
// very large photos scaled down first (imageSize.ts, the same policy as Node's reader, src/node/readImage.ts).
import * as tf from '@tensorflow/tfjs';
import { type DecodedPhoto, decodedSize, ImageReadError } from './imageSize';

/** A photo file's pixels, upright, at most MAX_SIDE on the longer side; throws ImageReadError saying why not. */
export async function decodeImageFile(file: Blob & { name?: string }): Promise<DecodedPhoto> {
  const label = file.name ?? 'file';
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new ImageReadError(`${label} is not an image this browser can read (JPEG, PNG, WebP, GIF, BMP, AVIF work)`);
  }
  try {
    const [fileWidth, fileHeight] = [bitmap.width, bitmap.height];
    const size = decodedSize(fileWidth, fileHeight);
    if (size.width < bitmap.width || size.height < bitmap.height) {
      // a 1 px wide scan keeps its width
      const scaled = await createImageBitmap(bitmap, {
        resizeWidth: size.width,
        resizeHeight: size.height,
        resizeQuality: 'high',
      });
      bitmap.close();
      bitmap = scaled;
    }
    return {
      pixels: tf.browser.fromPixels(bitmap, 3),
      width: bitmap.width,
      height: bitmap.height,
      fileWidth,
      fileHeight,
    };
  } catch (e) {
    // The browser reads the header first and the pixels only now: a broken or bomb-sized body fails here.
    throw new ImageReadError(
      `${label} could not be decoded (${bitmap.width} x ${bitmap.height} pixels): ${oneLine(e)}`,
    );
  } finally {
    bitmap.close();
  }
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}
