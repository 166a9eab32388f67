import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageFormat, readImageHeader, uprightSize } from './imageHeader';

const bytes = (...parts: (number[] | string | Uint8Array)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : [...p])));
const be16 = (n: number) => [n >> 8, n & 255];
const be32 = (n: number) => [n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
const le16 = (n: number) => [n & 255, n >> 8];
const le24 = (n: number) => [n & 255, (n >> 8) & 255, n >> 16];
const le32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** A PNG chunk (its CRC left 0: the header reader does not check it). */
const chunk = (kind: string, data: number[]) => [...be32(data.length), ...bytes(kind), ...data, 0, 0, 0, 0];
const ihdr = (w: number, h: number) => chunk('IHDR', [...be32(w), ...be32(h), 8, 2, 0, 0, 0]);
/** A big-endian TIFF structure whose first IFD holds only an orientation tag. */
const tiff = (orientation: number) => [
  ...bytes('MM'),
  0,
  42,
  ...be32(8),
  ...be16(1),
  ...be16(0x0112),
  ...be16(3),
  ...be32(1),
  ...be16(orientation),
  0,
  0,
  ...be32(0),
];
const segment = (marker: number, data: number[]) => [0xff, marker, ...be16(data.length + 2), ...data];
const sof = (marker: number, w: number, h: number) =>
  segment(marker, [8, ...be16(h), ...be16(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
const exif = (orientation: number) => segment(0xe1, [...bytes('Exif\0\0'), ...tiff(orientation)]);
const SOI = [0xff, 0xd8];
const SOS = segment(0xda, [1, 1, 0, 0, 63, 0]);

/** An ISO base media box; a full box when `full` (version and flags) is given. */
const box = (kind: string, body: number[], full?: [number, number]): number[] => {
  const head = full ? [full[0], 0, 0, full[1]] : [];
  return [...be32(8 + head.length + body.length), ...bytes(kind), ...head, ...body];
};
/** A HEIF file: primary item 1 with an 'ispe' (and an 'irot' when `rotation`), a 4000 x 3000 thumbnail as item 2. */
const heif = (brand: string, w: number, h: number, rotation?: number) => {
  const properties = [
    box('ispe', [...be32(4000), ...be32(3000)], [0, 0]), // 1: the thumbnail's
    box('ispe', [...be32(w), ...be32(h)], [0, 0]), // 2
    ...(rotation === undefined ? [] : [box('irot', [rotation])]), // 3
  ];
  const primary = rotation === undefined ? [2] : [2, 0x80 | 3];
  const ipma = box('ipma', [...be32(2), ...be16(2), 1, 0x81, ...be16(1), primary.length, ...primary], [0, 0]);
  return bytes(
    box('ftyp', [...bytes(brand), ...be32(0), ...bytes('mif1'), ...bytes(brand)]),
    box(
      'meta',
      [
        ...box('hdlr', [...be32(0), ...bytes('pict'), ...be32(0), ...be32(0), ...be32(0), 0], [0, 0]),
        ...box('pitm', be16(1), [0, 0]),
        ...box('iprp', [...box('ipco', properties.flat()), ...ipma]),
      ],
      [0, 0],
    ),
    box('mdat', [1, 2, 3, 4]),
  );
};

describe('readImageHeader', () => {
  it('reads a PNG header, and its eXIf orientation', () => {
    const plain = bytes(PNG_SIGNATURE, ihdr(30000, 20000), chunk('IDAT', [1, 2, 3]), chunk('IEND', []));
    expect(readImageHeader(plain)).toEqual({ format: 'png', width: 30000, height: 20000, orientation: 1 });
    const turned = bytes(PNG_SIGNATURE, ihdr(600, 300), chunk('eXIf', tiff(6)), chunk('IDAT', [1]));
    expect(readImageHeader(turned)).toMatchObject({ width: 600, height: 300, orientation: 6 });
    expect(uprightSize(readImageHeader(turned) as never)).toEqual({ width: 300, height: 600 });
    // after the pixels: browsers do not turn it
    const late = bytes(PNG_SIGNATURE, ihdr(600, 300), chunk('IDAT', [1]), chunk('eXIf', tiff(6)));
    expect(readImageHeader(late)).toMatchObject({ orientation: 1 });
  });

  it('reads a JPEG frame header, with the EXIF orientation before it', () => {
    const turned = bytes(SOI, exif(6), segment(0xdb, Array(65).fill(1)), sof(0xc0, 640, 480), SOS, [1, 2, 3]);
    const header = readImageHeader(turned);
    expect(header).toEqual({ format: 'jpeg', width: 640, height: 480, orientation: 6 });
    expect(uprightSize(header as never)).toEqual({ width: 480, height: 640 });
    // progressive, fill bytes before a marker, orientation after the frame, an odd orientation value
    expect(readImageHeader(bytes(SOI, [0xff], sof(0xc2, 3000, 2000), exif(8), SOS))).toEqual({
      format: 'jpeg',
      width: 3000,
      height: 2000,
      orientation: 8,
    });
    expect(readImageHeader(bytes(SOI, exif(9), sof(0xc0, 10, 20), SOS))).toMatchObject({ orientation: 1 });
    expect(readImageHeader(bytes(SOI, sof(0xc0, 10, 20), SOS))).toMatchObject({ orientation: 1 });
    // a DHT (0xc4) is not a frame; a height given later by DNL is left to the browser
    expect(readImageHeader(bytes(SOI, segment(0xc4, [0, 1, 2]), sof(0xc1, 64, 48), SOS))).toMatchObject({ width: 64 });
    expect(readImageHeader(bytes(SOI, sof(0xc0, 64, 0), SOS))).toBeUndefined();
  });

  it('reads a GIF screen, grown to a larger first frame', () => {
    const gif = (w: number, h: number, frame?: [number, number]) =>
      bytes(
        'GIF89a',
        le16(w),
        le16(h),
        [0x80, 0, 0],
        Array(6).fill(0), // a 2-colour table
        [0x21, 0xf9, 4, 0, 0, 0, 0, 0], // a graphic control extension
        frame ? [0x2c, 0, 0, 0, 0, ...le16(frame[0]), ...le16(frame[1]), 0] : [],
      );
    expect(readImageHeader(gif(320, 200))).toEqual({ format: 'gif', width: 320, height: 200, orientation: 1 });
    expect(readImageHeader(gif(320, 200, [100, 100]))).toMatchObject({ width: 320, height: 200 });
    expect(readImageHeader(gif(1, 1, [65535, 65535]))).toMatchObject({ width: 65535, height: 65535 });
    expect(readImageHeader(bytes('GIF87a', le16(5), le16(7)))).toMatchObject({ width: 5, height: 7 });
  });

  it('reads WebP headers: VP8X, VP8L and VP8', () => {
    const riff = (kind: string, data: number[]) =>
      bytes('RIFF', le32(4 + 8 + data.length), 'WEBP', kind, le32(data.length), data);
    expect(readImageHeader(riff('VP8X', [0x08, 0, 0, 0, ...le24(29999), ...le24(19999)]))).toEqual({
      format: 'webp',
      width: 30000,
      height: 20000,
      orientation: 1,
    });
    const lossless = (1000 - 1) | ((700 - 1) << 14);
    expect(readImageHeader(riff('VP8L', [0x2f, ...le32(lossless), 0]))).toMatchObject({ width: 1000, height: 700 });
    const lossy = [0, 0, 0, 0x9d, 0x01, 0x2a, ...le16(1024 | (1 << 14)), ...le16(768), 0, 0];
    expect(readImageHeader(riff('VP8 ', lossy))).toMatchObject({ width: 1024, height: 768 });
    expect(readImageHeader(riff('VP8L', [0x00, 1, 2, 3, 4]))).toBeUndefined();
  });

  it('reads BMP headers, top-down ones too', () => {
    const bmp = (dib: number[]) => bytes('BM', le32(54), [0, 0, 0, 0], le32(54), dib);
    expect(readImageHeader(bmp([...le32(40), ...le32(800), ...le32(600), 1, 0, 24, 0]))).toEqual({
      format: 'bmp',
      width: 800,
      height: 600,
      orientation: 1,
    });
    expect(readImageHeader(bmp([...le32(124), ...le32(800), ...le32(-600 >>> 0)]))).toMatchObject({ height: 600 });
    expect(readImageHeader(bmp([...le32(12), ...le16(64), ...le16(32)]))).toMatchObject({ width: 64, height: 32 });
    expect(readImageHeader(bytes('BMW is a car, not a bitmap.'))).toBeUndefined();
  });

  it("reads the primary item's size and turn in AVIF and HEIC files", () => {
    expect(readImageHeader(heif('heic', 30000, 30000))).toEqual({
      format: 'heic',
      width: 30000,
      height: 30000,
      orientation: 1,
    });
    expect(readImageHeader(heif('avif', 600, 300, 1))).toEqual({
      format: 'avif',
      width: 600,
      height: 300,
      orientation: 8,
    });
    expect(uprightSize(readImageHeader(heif('avif', 600, 300, 3)) as never)).toEqual({ width: 300, height: 600 });
    const mp4 = bytes(box('ftyp', [...bytes('isom'), ...be32(0), ...bytes('isommp41')]), box('moov', []));
    expect(readImageHeader(mp4)).toBeUndefined();
  });

  it('says a file cut off before its size is truncated, and garbage is unknown', () => {
    const png = bytes(PNG_SIGNATURE, ihdr(64, 64));
    for (const end of [1, 4, 8, 12, 20]) expect(readImageHeader(png.subarray(0, end)), `${end}`).toBe('truncated');
    const jpeg = bytes(SOI, exif(6), sof(0xc0, 64, 48), SOS);
    for (const end of [2, 3, 10, 30, 40]) expect(readImageHeader(jpeg.subarray(0, end)), `${end}`).toBe('truncated');
    expect(readImageHeader(heif('avif', 60, 30).subarray(0, 40))).toBe('truncated');
    expect(readImageHeader(new Uint8Array(0))).toBeUndefined();
    expect(readImageHeader(bytes('this is not an image\n'))).toBeUndefined();
    expect(readImageHeader(bytes(SOI, [0x12, 0x34]))).toBeUndefined(); // no marker where one must be
    expect(readImageHeader(bytes(PNG_SIGNATURE, chunk('IDAT', [1, 2, 3, 4, 5, 6, 7, 8, 9])))).toBeUndefined();
    expect(readImageHeader(bytes(PNG_SIGNATURE, ihdr(0, 10)))).toBeUndefined();
  });

  it('tells the format by the signature alone, whether or not the size can be read', () => {
    const heicGarbage = bytes(
      box('ftyp', [...bytes('heic'), ...be32(0), ...bytes('mif1heic')]),
      'garbage, no meta box',
    );
    expect(readImageHeader(heicGarbage)).toBe('truncated');
    expect(imageFormat(heicGarbage)).toBe('heic');
    expect(imageFormat(heif('avif', 1, 1))).toBe('avif');
    expect(imageFormat(bytes(PNG_SIGNATURE))).toBe('png');
    expect(imageFormat(bytes(SOI, [0xff]))).toBe('jpeg');
    expect(imageFormat(bytes('RIFF', [0, 0, 0, 0], 'WEBP'))).toBe('webp');
    expect(imageFormat(bytes('GIF87a'))).toBe('gif');
    expect(imageFormat(bytes('this is not an image'))).toBeUndefined();
    expect(imageFormat(bytes([0, 0, 0, 64], 'ftypheic'))).toBeUndefined(); // cut off in its brands
  });

  it('never throws, on random bytes or on real files cut and bit-flipped', async () => {
    const seeds = await Promise.all(
      ['png', 'jpeg', 'gif', 'webp', 'avif'].map((format) =>
        sharp({ create: { width: 40, height: 30, channels: 3, background: '#c84' } })
          .toFormat(format as 'png')
          .toBuffer(),
      ),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }),
          fc
            .tuple(fc.constantFrom(...seeds), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }))))
            .map(([seed, end, flips]) => {
              const copy = Uint8Array.from(seed.subarray(0, end % (seed.length + 1)));
              for (const [at, bits] of flips) if (copy.length) copy[at % copy.length] ^= bits;
              return copy;
            }),
        ),
        (input) => {
          const header = readImageHeader(input);
          expect(header === undefined || header === 'truncated' || (header.width > 0 && header.height > 0)).toBe(true);
        },
      ),
      { numRuns: 2000, seed: 4 },
    );
  });

  it("reads real files' sizes, and the orientations Chromium shows them with", async () => {
    const image = sharp({ create: { width: 600, height: 300, channels: 3, background: '#c84' } });
    const turned = image.clone().withMetadata({ orientation: 6 });
    const cases: [string, number, Buffer][] = [
      ['png', 1, await image.clone().png().toBuffer()],
      ['png', 6, await turned.clone().png().toBuffer()],
      ['jpeg', 6, await turned.clone().jpeg().toBuffer()],
      ['jpeg', 1, await image.clone().jpeg({ progressive: true }).toBuffer()],
      ['gif', 1, await image.clone().gif().toBuffer()],
      ['webp', 1, await image.clone().webp().toBuffer()],
      ['webp', 1, await image.clone().webp({ lossless: true }).toBuffer()],
      ['webp', 1, await turned.clone().webp().toBuffer()], // VP8X with EXIF, which Chromium does not apply
      ['avif', 1, await image.clone().avif().toBuffer()],
      ['avif', 6, await turned.clone().avif().toBuffer()], // an 'irot' (sharp's metadata says 1; Chromium turns it)
    ];
    for (const [format, orientation, file] of cases)
      expect(readImageHeader(file), `${format} ${orientation}`).toEqual({
        format,
        width: 600,
        height: 300,
        orientation,
      });
    expect(readImageHeader(await image.clone().tiff().toBuffer())).toBeUndefined(); // left to the browser
  });
});
