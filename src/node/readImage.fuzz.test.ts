// Fuzzing Node's image reader (readImage.ts): random bytes, and real JPEG/PNG/WebP files truncated or with bits
// flipped. Each read either gives a well-formed image or a one-line ImageReadError; nothing throws
// anything else, hangs or runs out of memory.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageReadError } from '../lib/imageSize';
import { readImage } from './readImage';

const dir = mkdtempSync(join(tmpdir(), 'agegender-fuzz-'));
const seeds: Record<string, Buffer> = {};
let counter = 0;

beforeAll(async () => {
  const jpeg = readFileSync('e2e/fixtures/photos/portrait.jpg');
  seeds.jpeg = jpeg;
  seeds.png = await sharp(jpeg).resize(64).png().toBuffer();
  seeds.webp = await sharp(jpeg).resize(64).webp().toBuffer();
});

async function outcome(bytes: Uint8Array): Promise<void> {
  const path = join(dir, `case-${counter++}.img`);
  writeFileSync(path, bytes);
  try {
    const image = await readImage(path);
    expect(image.width * image.height * 3).toBe(image.data.length);
  } catch (e) {
    expect(e).toBeInstanceOf(ImageReadError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    expect(message.length).toBeGreaterThan(0);
  }
}

describe('readImage under fuzzing', () => {
  it('random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), outcome), { numRuns: 100, seed: 1 });
  }, 120_000);

  for (const format of ['jpeg', 'png', 'webp']) {
    it(`${format} files truncated anywhere or with bytes flipped`, async () => {
      const mutation = fc.oneof(
        fc.nat().map((n) => seeds[format].subarray(0, n % seeds[format].length)),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
          const copy = Buffer.from(seeds[format]);
          for (const [at, bits] of flips) copy[at % copy.length] ^= bits;
          return copy;
        }),
      );
      await fc.assert(fc.asyncProperty(mutation, outcome), { numRuns: 60, seed: 2 });
    }, 120_000);
  }
});
