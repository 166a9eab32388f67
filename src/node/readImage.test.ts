import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodedSize, ImageReadError, MAX_SIDE } from '../lib/imageSize';
import { readImage } from './readImage';

const dir = mkdtempSync(join(tmpdir(), 'agegender-read-'));
const solid = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: { r: 200, g: 100, b: 50, alpha: 0.5 } } });

async function file(name: string, image: Sharp): Promise<string> {
  const path = join(dir, name);
  await image.toFile(path);
  return path;
}

describe('readImage', () => {
  it('gives 8-bit RGB for grey, alpha, 16-bit and CMYK files', async () => {
    const paths = await Promise.all([
      file('grey.png', solid(40, 30).grayscale()),
      file('alpha.png', solid(40, 30, 4)),
      file('deep.png', solid(40, 30).toColourspace('rgb16')),
      file('cmyk.jpg', solid(40, 30).toColourspace('cmyk').jpeg()),
    ]);
    for (const path of paths) {
      const image = await readImage(path);
      expect([image.width, image.height, image.data.length], path).toEqual([40, 30, 40 * 30 * 3]);
    }
  });

  it('applies the EXIF orientation', async () => {
    const image = await readImage(await file('rotated.jpg', solid(40, 30).jpeg().withMetadata({ orientation: 6 })));
    expect([image.width, image.height, image.fileWidth, image.fileHeight]).toEqual([30, 40, 30, 40]);
  });

  it('scales very large photos down', async () => {
    const image = await readImage(await file('huge.png', solid(MAX_SIDE * 2, 1000)));
    expect([image.width, image.height]).toEqual([MAX_SIDE, 500]);
    expect([image.fileWidth, image.fileHeight]).toEqual([MAX_SIDE * 2, 1000]); // the size its faces' boxes are given in
    const thin = await readImage(await file('thin.png', solid(1, MAX_SIDE + 100))); // scaled down the long way only
    expect([thin.width, thin.height, thin.fileHeight]).toEqual([1, MAX_SIDE, MAX_SIDE + 100]);
    expect(decodedSize(MAX_SIDE * 2, 1000)).toEqual({ width: image.width, height: image.height }); // as the browser decodes it
  });

  it('says plainly when a file is not an image or is missing', async () => {
    const text = join(dir, 'notes.jpg');
    writeFileSync(text, 'hello');
    await expect(readImage(text)).rejects.toThrow(
      new ImageReadError('not an image file (unsupported or unknown format)'),
    );
    await expect(readImage(join(dir, 'nope.png'))).rejects.toThrow('file not found');
    const truncated = join(dir, 'truncated.jpg');
    writeFileSync(truncated, (await solid(64, 64).jpeg().toBuffer()).subarray(0, 200));
    await expect(readImage(truncated)).rejects.toThrow(/cannot decode image/);
  });
});
