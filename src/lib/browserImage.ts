// Decode a user's image file to an RGB tensor in the browser, with EXIF orientation applied and
// very large photos decoded scaled down (imageSize.ts, the same policy as Node's reader, src/node/readImage.ts).
// The file's header is read first (imageHeader.ts): a decompression bomb (a small file claiming billions of
// pixels) is refused before a pixel is decoded, and a large photo is decoded straight at the reduced size.
import * as tf from '@tensorflow/tfjs';
import { type ImageFormat, type ImageHeader, imageFormat, readImageHeader, uprightSize } from './imageHeader';
import { type DecodedPhoto, decodedSize, ImageReadError, sizeProblem } from './imageSize';

/** The bytes read for the header first; a JPEG with more metadata before its frame is read whole. */
const HEADER_BYTES = 1 << 20;

const UNREADABLE = 'is not an image this browser can read (JPEG, PNG, WebP, GIF, BMP, AVIF work)';

/** A photo file's pixels, upright, at most MAX_SIDE on the longer side; throws ImageReadError saying why not. */
export async function decodeImageFile(file: Blob & { name?: string }): Promise<DecodedPhoto> {
  const label = file.name ?? 'file';
  if (file.size === 0) throw new ImageReadError(`${label} is empty`);
  const { header, format } = await headerOf(file);
  // Upright as the browser shows it, and the size it is decoded at.
  const upright = header && uprightSize(header);
  const problem = upright && sizeProblem(upright.width, upright.height);
  if (problem) throw new ImageReadError(`${label} ${problem}`);
  const target = upright && decodedSize(upright.width, upright.height);
  const scaled = upright && target && (target.width < upright.width || target.height < upright.height);
  let bitmap: ImageBitmap;
  try {
    // Resized while decoding, in upright pixels (resizeWidth is the width as shown, orientation applied).
    bitmap = await createImageBitmap(file, {
      imageOrientation: 'from-image',
      ...(scaled ? { resizeWidth: target.width, resizeHeight: target.height, resizeQuality: 'high' } : {}),
    });
  } catch (e) {
    if (format === 'heic')
      throw new ImageReadError(`${label} is a HEIC photo, which this browser cannot read; save it as JPEG to use it`);
    if (upright)
      throw new ImageReadError(
        `${label} could not be decoded (${upright.width} x ${upright.height} pixels): ${oneLine(e)}`,
      );
    throw new ImageReadError(`${label} ${UNREADABLE}`);
  }
  try {
    // A file read at its own size says its size itself (a header this module did not read, or a GIF's frame).
    const [fileWidth, fileHeight] = scaled ? [upright.width, upright.height] : [bitmap.width, bitmap.height];
    const late = !scaled && sizeProblem(fileWidth, fileHeight);
    if (late) throw new ImageReadError(`${label} ${late}`);
    const size = decodedSize(bitmap.width, bitmap.height);
    if (size.width < bitmap.width || size.height < bitmap.height) {
      // Not scaled while decoding (no header read): scaled now. A 1 px wide scan keeps its width.
      const smaller = await createImageBitmap(bitmap, {
        resizeWidth: size.width,
        resizeHeight: size.height,
        resizeQuality: 'high',
      });
      bitmap.close();
      bitmap = smaller;
    }
    return {
      pixels: tf.browser.fromPixels(bitmap, 3),
      width: bitmap.width,
      height: bitmap.height,
      fileWidth,
      fileHeight,
    };
  } catch (e) {
    if (e instanceof ImageReadError) throw e;
    // The browser may read the header first and the pixels only now: a broken body fails here.
    throw new ImageReadError(
      `${label} could not be decoded (${bitmap.width} x ${bitmap.height} pixels): ${oneLine(e)}`,
    );
  } finally {
    bitmap.close();
  }
}

/**
 * The file's header, or undefined when it is not one imageHeader.ts reads (the browser is left to try),
 * and its format by its signature.
 */
async function headerOf(file: Blob): Promise<{ header?: ImageHeader; format?: ImageFormat }> {
  let bytes = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  let header = readImageHeader(bytes);
  if (header === 'truncated' && file.size > HEADER_BYTES) {
    bytes = new Uint8Array(await file.arrayBuffer());
    header = readImageHeader(bytes);
  }
  return { header: header === 'truncated' ? undefined : header, format: imageFormat(bytes) };
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}
