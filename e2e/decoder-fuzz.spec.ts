import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import sharp from 'sharp';
import { watchErrors } from './pageErrors';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const FACE = '29_0_4_20170103234728788.jpg.chip.jpg';

/** A PNG whose header claims width x height pixels (a decompression bomb), with a few bytes of data. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (kind: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(kind, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// The browser's decoder (createImageBitmap, then the size policy) under the CLI fuzz test's mutations: every
// file ends as faces, "no face" or a one-line message; the page never throws and goes on working. On WASM,
// since what is tested is decoding, and SwiftShader would make the estimates of the files that still decode slow.
test('the page reads fuzzed files: each one is faces, no face or a one-line message', async ({ page }) => {
  const errors = watchErrors(page);
  const jpeg = await sharp(join(FIXTURES, 'photos', 'portrait.jpg'))
    .resize(160)
    .jpeg()
    .toBuffer();
  const seeds = { jpeg, png: await sharp(jpeg).png().toBuffer(), webp: await sharp(jpeg).webp().toBuffer() };
  const cases: Buffer[] = [
    Buffer.alloc(0),
    pngClaiming(60000, 60000),
    ...fc.sample(fc.uint8Array({ maxLength: 4096 }), { numRuns: 8, seed: 1 }).map((b) => Buffer.from(b)),
  ];
  for (const seed of Object.values(seeds)) {
    cases.push(...fc.sample(fc.nat(), { numRuns: 4, seed: 2 }).map((n) => seed.subarray(0, n % seed.length)));
    cases.push(
      ...fc
        .sample(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }), {
          numRuns: 4,
          seed: 3,
        })
        .map((flips) => {
          const copy = Buffer.from(seed);
          for (const [at, bits] of flips) copy[at % copy.length] ^= bits;
          return copy;
        }),
    );
  }
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page
    .getByTestId('file-input')
    .setInputFiles(cases.map((buffer, i) => ({ name: `case-${i}.jpg`, mimeType: 'image/jpeg', buffer })));
  await expect(page.getByTestId('photo-result')).toHaveCount(cases.length);
  await expect(page.getByTestId('photos-waiting')).toHaveCount(0, { timeout: 300_000 });
  await expect(page.getByText('Looking for faces…')).toHaveCount(0);
  const outcomes = await page.getByTestId('photo-result').evaluateAll((results) =>
    results.map((r) => ({
      error: r.querySelector('[data-testid="face-error"]')?.textContent ?? null,
      faces: r.querySelectorAll('[data-testid="face-card"]').length,
      noFace: r.querySelector('[data-testid="no-face"]') !== null,
    })),
  );
  for (const o of outcomes) {
    expect(Number(o.error !== null) + Number(o.faces > 0) + Number(o.noFace), JSON.stringify(o)).toBe(1);
    if (o.error !== null)
      expect(o.error).toMatch(
        /^case-\d+\.jpg (is not an image this browser can read|could not be decoded|is empty$|is too)/,
      );
    for (const o of outcomes) if (o.error !== null) expect(o.error).toMatch(/^[^\n]*$/);
  }
  expect(outcomes.filter((o) => o.error !== null).length).toBeGreaterThanOrEqual(10); // the empty file, the bomb, random bytes
  // The page goes on: a good face after them is estimated.
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, 'faces', FACE));
  await expect(page.getByTestId('face-age').first()).toHaveText(/^Age \d+$/);
  expect(errors).toEqual([]);
});

/** What a photo result shows: its one-line message, how many faces, "no face", and the file's size it drew boxes in. */
type Outcome = { name: string; error: string | null; faces: number; noFace: boolean; photoSize: string | null };

// Files users really drop: broken, empty, a decompression bomb, misnamed, every format the page reads and one it
// cannot. Each ends as faces, "no face" or a one-line message that says what is wrong, and the page goes on.
test('the page reads files of every format, refuses bombs, empty and tiny files, and goes on', async ({ page }) => {
  const errors = watchErrors(page);
  const face = sharp(join(FIXTURES, 'faces', FACE));
  const portrait = await sharp(join(FIXTURES, 'photos', 'portrait.jpg'))
    .jpeg()
    .toBuffer();
  const png = await face.clone().png().toBuffer();
  const flipped = Buffer.from(png);
  for (let at = 200; at < flipped.length; at += 97) flipped[at] ^= 0x5a; // in the pixel data, CRCs broken
  // 565 x 800 upright, stored turned a quarter (EXIF orientation 6) and 8200 px tall: decoded at 2893 x 4096.
  const turned = await sharp(portrait)
    .resize({ height: 8200 })
    .rotate(270)
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const heic = Buffer.concat([
    Buffer.from([0, 0, 0, 24]),
    Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
    Buffer.from('not really HEVC, but Chromium reads no HEIC at all', 'latin1'),
  ]);
  const files: Record<string, Buffer> = {
    'truncated.jpg': portrait.subarray(0, Math.floor(portrait.length / 3)),
    'bit-flipped.png': flipped,
    'empty.jpg': Buffer.alloc(0),
    'bomb.png': pngClaiming(30000, 30000),
    'png-named.jpg': png,
    'face.webp': await face.clone().webp().toBuffer(),
    'face.avif': await face.clone().avif().toBuffer(),
    'face.gif': await face.clone().gif().toBuffer(),
    'photo.heic': heic,
    'tiny.png': await face.clone().resize(12, 10).png().toBuffer(),
    'turned-and-huge.jpg': turned,
    'wide-and-white.png': await sharp({ create: { width: 9000, height: 3000, channels: 3, background: '#fff' } })
      .png({ compressionLevel: 9 })
      .toBuffer(),
  };
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('model-status')).toContainText('Ready.');
  await page
    .getByTestId('file-input')
    .setInputFiles(Object.entries(files).map(([name, buffer]) => ({ name, mimeType: 'image/jpeg', buffer })));
  await expect(page.getByTestId('photo-result')).toHaveCount(Object.keys(files).length);
  await expect(page.getByTestId('photos-waiting')).toHaveCount(0, { timeout: 300_000 });
  await expect(page.getByText('Looking for faces…')).toHaveCount(0);
  const outcomes: Outcome[] = await page.getByTestId('photo-result').evaluateAll((results) =>
    results.map((r) => ({
      name: r.querySelector('h2')?.textContent ?? '',
      error: r.querySelector('[data-testid="face-error"]')?.textContent ?? null,
      faces: r.querySelectorAll('[data-testid="face-card"]').length,
      noFace: r.querySelector('[data-testid="no-face"]') !== null,
      photoSize: r.querySelector<HTMLElement>('[data-testid="photo-frame"]')?.dataset.photoSize ?? null,
    })),
  );
  const of = Object.fromEntries(outcomes.map((o) => [o.name, o]));
  for (const o of outcomes) {
    expect(Number(o.error !== null) + Number(o.faces > 0) + Number(o.noFace), JSON.stringify(o)).toBe(1);
    if (o.error !== null) expect(o.error, o.name).toMatch(new RegExp(`^${o.name.replace('.', '\\.')} [^\n]+$`));
  }
  expect(of['empty.jpg'].error).toBe('empty.jpg is empty');
  expect(of['bomb.png'].error).toBe(
    'bomb.png is too large to read: 30000 x 30000 pixels (900 megapixels; at most 200 megapixels and 65535 pixels a side)',
  );
  expect(of['tiny.png'].error).toBe('tiny.png is too small to hold a face (12 x 10 pixels)');
  expect(of['photo.heic'].error).toMatch(/^photo\.heic is a HEIC photo, which this browser cannot read/);
  for (const name of ['png-named.jpg', 'face.webp', 'face.avif', 'face.gif'])
    expect(of[name].faces, JSON.stringify(of[name])).toBeGreaterThan(0);
  // Turned upright before it was scaled down, and its faces given in the upright file's pixels.
  expect(of['turned-and-huge.jpg']).toMatchObject({ error: null, photoSize: '5791x8200' });
  expect(of['turned-and-huge.jpg'].faces).toBeGreaterThan(0);
  expect(of['wide-and-white.png']).toMatchObject({ error: null, noFace: true });
  // The page goes on: a good face after them is estimated.
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, 'faces', FACE));
  await expect(page.getByTestId('photo-result').last().getByTestId('face-age').first()).toHaveText(/^Age \d+$/);
  expect(errors).toEqual([]);
});
