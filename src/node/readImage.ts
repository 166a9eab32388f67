// Decode an image file to RGB pixels with sharp (libvips): EXIF orientation applied, alpha dropped,
// any colour space (grey, CMYK, 16-bit) converted to 8-bit sRGB, very large photos scaled down
// (imageSize.ts, the policy the page's decoder follows too).
import { stat } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { type DecodedPhoto, type DecodedSize, decodedSize, ImageReadError, sizeProblem } from '../lib/imageSize';

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A file's pixels as read: width and height as decoded, fileWidth and fileHeight the file's (upright). */
export type DecodedFile = RgbImage & DecodedSize;

/** The pixels as an int32 RGB [h, w, 3] tensor, as the models take them (the caller disposes it). */
export function imageTensor(img: RgbImage): tf.Tensor3D {
  return tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
}

/** A file as FaceAnalyzer.analyzePhoto takes it: its pixels as a tensor (the caller disposes it) and its sizes. */
export function toDecodedPhoto(img: DecodedFile): DecodedPhoto {
  const { width, height, fileWidth, fileHeight } = img;
  return { pixels: imageTensor(img), width, height, fileWidth, fileHeight };
}

/** An image file (path) or its bytes, decoded to RGB, upright, at most MAX_SIDE on its longer side. */
export async function readImage(source: string | Buffer): Promise<DecodedFile> {
  try {
    if (typeof source === 'string' ? (await stat(source)).size === 0 : source.length === 0)
      throw new ImageReadError('empty file');
    // The upright size, before any pixel is decoded: sharp's own pixel limit is for decoding, so the header of
    // a bomb is read, to say its size.
    const { autoOrient } = await sharp(source, { failOn: 'error', limitInputPixels: false }).metadata();
    // the page's limits too (browserImage.ts): a decompression bomb, or too few pixels for a face
    const problem = sizeProblem(autoOrient.width, autoOrient.height);
    if (problem) throw new ImageReadError(problem.replace(/^is /, ''));
    const size = decodedSize(autoOrient.width, autoOrient.height); // the one policy the page applies too
    const upright = sharp(source, { failOn: 'error' }).rotate();
    const { data, info } = await (
      size.height < autoOrient.height || size.width < autoOrient.width
        ? upright.resize(size.width, size.height, { fit: 'fill' })
        : upright
    )
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageReadError(`expected 3 channels after conversion, got ${info.channels}`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      fileWidth: autoOrient.width,
      fileHeight: autoOrient.height,
    };
  } catch (e) {
    if (e instanceof ImageReadError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    if (/unsupported image format/i.test(why))
      throw new ImageReadError('not an image file (unsupported or unknown format)');
    if (/input file is missing|no such file/i.test(why)) throw new ImageReadError('file not found');
    if (/exceeds pixel limit/i.test(why))
      throw new ImageReadError('image too large to decode (its header claims over 268 million pixels)');
    if (/is a directory|EISDIR/i.test(why)) throw new ImageReadError('a folder, not an image file');
    // libvips may add warnings on further lines; the first says what is wrong
    throw new ImageReadError(`cannot decode image: ${why.split('\n')[0].trim()}`);
  }
}
