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
    const thin = await readImage(await file('thin.png', solid(20, MAX_SIDE + 100))); // scaled down, 20 px wide still
    expect([thin.width, thin.height, thin.fileHeight]).toEqual([20, MAX_SIDE, MAX_SIDE + 100]);
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

  it('refuses empty files, decompression bombs and images too small for a face, as the page does', async () => {
    const empty = join(dir, 'empty.jpg');
    writeFileSync(empty, '');
    await expect(readImage(empty)).rejects.toThrow(new ImageReadError('empty file'));
    await expect(readImage(Buffer.alloc(0))).rejects.toThrow(new ImageReadError('empty file'));
    await expect(readImage(await solid(19, 30).png().toBuffer())).rejects.toThrow(
      new ImageReadError('too small to hold a face (19 x 30 pixels)'),
    );
    await expect(readImage(await solid(20, 20).png().toBuffer())).resolves.toMatchObject({ width: 20, height: 20 });
    // a PNG whose header claims 30000 x 30000 pixels, with a few bytes of data
    const chunk = (kind: string, data: Buffer) => {
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      out.write(kind, 4, 'latin1');
      data.copy(out, 8);
      return out;
    };
    const ihdr = Buffer.from([0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0]);
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', Buffer.from([0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1])),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    await expect(readImage(bomb)).rejects.toThrow(
      new ImageReadError(
        'too large to read: 30000 x 30000 pixels (900 megapixels; at most 200 megapixels and 65535 pixels a side)',
      ),
    );
  });
});
