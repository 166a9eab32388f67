// An image file's size read from its header, without decoding a pixel: PNG (IHDR, and the eXIf
// orientation), JPEG (SOFn, and the EXIF orientation in APP1), GIF (logical screen, or a larger first
// frame), WebP (VP8, VP8L, VP8X), BMP, and AVIF/HEIC (the primary item's 'ispe' and 'irot'). The page
// (browserImage.ts) refuses decompression bombs with it and decodes large photos straight at the
// reduced size. Framework-free: bytes in, numbers out.

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif' | 'heic';

/** An image's size as its file stores it, and the EXIF orientation (1-8) a browser shows it with. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** 1 (as stored) to 8; 5-8 turn it a quarter, swapping width and height. */
  orientation: number;
}

/** What readImageHeader found: a header, the bytes ending before the size (`'truncated'`), or nothing it knows. */
export type HeaderResult = ImageHeader | 'truncated' | undefined;

/** The size an image is shown at, its orientation applied. */
export function uprightSize(header: ImageHeader): { width: number; height: number } {
  const { width, height, orientation } = header;
  return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
}

class Truncated extends Error {}

/** The format the bytes' signature says (enough of them to hold it), whether or not its size can be read. */
export function imageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = new Bytes(bytes);
  for (const [signature, format] of SIGNATURES) if (b.startsWith(signature)) return format;
  if (b.startsWith([0x52, 0x49, 0x46, 0x46]) && b.startsWith([0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  try {
    return b.startsWith([0x66, 0x74, 0x79, 0x70], 4) ? isobmffFormat(b) : undefined;
  } catch {
    return undefined; // cut off in its brands
  }
}

/** Reads with bounds checks: past the end is Truncated, never undefined or NaN. */
class Bytes {
  constructor(readonly b: Uint8Array) {}
  get length(): number {
    return this.b.length;
  }
  u8(at: number): number {
    if (at < 0 || at >= this.b.length) throw new Truncated();
    return this.b[at];
  }
  u16(at: number, little = false): number {
    const [x, y] = [this.u8(at), this.u8(at + 1)];
    return little ? x | (y << 8) : (x << 8) | y;
  }
  u24le(at: number): number {
    return this.u8(at) | (this.u8(at + 1) << 8) | (this.u8(at + 2) << 16);
  }
  u32(at: number, little = false): number {
    const [a, b, c, d] = [this.u8(at), this.u8(at + 1), this.u8(at + 2), this.u8(at + 3)];
    return (little ? (d << 24) | (c << 16) | (b << 8) | a : (a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  }
  i32le(at: number): number {
    return this.u32(at, true) | 0;
  }
  ascii(at: number, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.u8(at + i));
    return s;
  }
  startsWith(bytes: number[], at = 0): boolean {
    return at + bytes.length <= this.b.length && bytes.every((x, i) => this.b[at + i] === x);
  }
}

/**
 * The size of the image in `bytes` (the file's start; 1 MiB is plenty but for JPEGs with large
 * metadata before the frame header). Never throws.
 */
export function readImageHeader(bytes: Uint8Array): HeaderResult {
  const b = new Bytes(bytes);
  const reader = pickReader(b);
  if (!reader) return b.length < 12 && couldStartAnImage(b) ? 'truncated' : undefined;
  try {
    const header = reader(b);
    return header && header.width > 0 && header.height > 0 ? header : undefined;
  } catch (e) {
    if (e instanceof Truncated) return 'truncated';
    throw e;
  }
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const SIGNATURES: [number[], ImageFormat, (b: Bytes) => ImageHeader | undefined][] = [
  [PNG, 'png', png],
  [[0xff, 0xd8, 0xff], 'jpeg', jpeg],
  [[0x47, 0x49, 0x46, 0x38], 'gif', gif], // GIF8
  [[0x42, 0x4d], 'bmp', bmp], // BM
];

function pickReader(b: Bytes): ((b: Bytes) => ImageHeader | undefined) | undefined {
  for (const [signature, , reader] of SIGNATURES) if (b.startsWith(signature)) return reader;
  if (b.startsWith([0x52, 0x49, 0x46, 0x46]) && b.startsWith([0x57, 0x45, 0x42, 0x50], 8)) return webp; // RIFF....WEBP
  if (b.startsWith([0x66, 0x74, 0x79, 0x70], 4)) return isobmff; // ....ftyp
  return undefined;
}

/** A few bytes that are the start of a signature above: a file cut off in its first bytes. */
function couldStartAnImage(b: Bytes): boolean {
  if (b.length === 0) return false;
  const prefixOf = (signature: number[]) => b.b.every((x, i) => i >= signature.length || signature[i] === x);
  return SIGNATURES.some(([signature]) => prefixOf(signature)) || prefixOf([0x52, 0x49, 0x46, 0x46]);
}

function png(b: Bytes): ImageHeader | undefined {
  if (b.ascii(12, 4) !== 'IHDR') return undefined;
  const header: ImageHeader = { format: 'png', width: b.u32(16), height: b.u32(20), orientation: 1 };
  // An eXIf chunk before the pixels turns the image in browsers, as in JPEGs.
  for (let at = 8; at + 8 <= b.length;) {
    const [length, kind] = [b.u32(at), b.ascii(at + 4, 4)];
    if (kind === 'IDAT' || kind === 'IEND') break;
    if (kind === 'eXIf') {
      header.orientation = tiffOrientation(b, at + 8, at + 8 + length);
      break;
    }
    at += 12 + length;
  }
  return header;
}

function jpeg(b: Bytes): ImageHeader | undefined {
  let size: { width: number; height: number } | undefined;
  let orientation: number | undefined;
  try {
    for (let at = 2; !(size && orientation !== undefined);) {
      if (b.u8(at) !== 0xff) return undefined;
      while (b.u8(at) === 0xff) at++; // fill bytes
      const marker = b.u8(at++);
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue; // no length
      if (marker === 0xd9 || marker === 0xda) break; // end of image or start of scan: no header after it
      const length = b.u16(at);
      if (length < 2) return undefined;
      const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame && !size) size = { height: b.u16(at + 3), width: b.u16(at + 5) };
      if (marker === 0xe1 && orientation === undefined && b.ascii(at + 2, 6) === 'Exif\0\0')
        orientation = tiffOrientation(b, at + 8, at + length);
      at += length;
    }
  } catch (e) {
    // Cut off after the frame header: its size, and the orientation if it came first (as it nearly always does).
    if (!(e instanceof Truncated) || !size) throw e;
  }
  // A frame whose height a later DNL marker gives (0 here) is left to the browser.
  return size && size.height > 0 ? { format: 'jpeg', ...size, orientation: orientation ?? 1 } : undefined;
}

/** The orientation tag (0x0112) of the first IFD of the TIFF structure at start..end: 1 when absent or odd. */
function tiffOrientation(b: Bytes, start: number, end: number): number {
  try {
    const order = b.ascii(start, 2);
    if (order !== 'II' && order !== 'MM') return 1;
    const little = order === 'II';
    const ifd = start + b.u32(start + 4, little);
    const count = b.u16(ifd, little);
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + 12 * i;
      if (entry + 12 > end) return 1;
      if (b.u16(entry, little) === 0x0112 && b.u16(entry + 2, little) === 3) {
        const value = b.u16(entry + 8, little);
        return value >= 1 && value <= 8 ? value : 1;
      }
    }
  } catch (e) {
    if (!(e instanceof Truncated) || end <= b.length) return 1; // a broken EXIF block: as browsers, no turn
    throw e;
  }
  return 1;
}

function gif(b: Bytes): ImageHeader | undefined {
  const version = b.ascii(0, 6);
  if (version !== 'GIF87a' && version !== 'GIF89a') return undefined;
  let [width, height] = [b.u16(6, true), b.u16(8, true)];
  // Browsers grow the screen to a first frame larger than it: find that frame's descriptor.
  try {
    const flags = b.u8(10);
    let at = 13 + (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0);
    while (b.u8(at) === 0x21) {
      at += 2; // extension introducer and label, then sub-blocks up to an empty one
      for (let n = b.u8(at); n !== 0; n = b.u8(at)) at += n + 1;
      at++;
    }
    if (b.u8(at) === 0x2c) {
      width = Math.max(width, b.u16(at + 5, true));
      height = Math.max(height, b.u16(at + 7, true));
    }
  } catch (e) {
    if (!(e instanceof Truncated)) throw e; // the screen's size is enough
  }
  return { format: 'gif', width, height, orientation: 1 };
}

function bmp(b: Bytes): ImageHeader | undefined {
  const dib = b.u32(14, true);
  if (dib === 12) return { format: 'bmp', width: b.u16(18, true), height: b.u16(20, true), orientation: 1 };
  if (dib < 40 || dib > 124) return undefined;
  // A negative height is a top-down bitmap.
  return { format: 'bmp', width: Math.abs(b.i32le(18)), height: Math.abs(b.i32le(22)), orientation: 1 };
}

// Browsers do not turn WebP images by their EXIF chunk, so their orientation stays 1.
function webp(b: Bytes): ImageHeader | undefined {
  const chunk = b.ascii(12, 4);
  if (chunk === 'VP8 ') {
    if (!b.startsWith([0x9d, 0x01, 0x2a], 23) && b.length >= 26) return undefined;
    return { format: 'webp', width: b.u16(26, true) & 0x3fff, height: b.u16(28, true) & 0x3fff, orientation: 1 };
  }
  if (chunk === 'VP8L') {
    if (b.u8(20) !== 0x2f) return undefined;
    const bits = b.u32(21, true);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, orientation: 1 };
  }
  if (chunk === 'VP8X') return { format: 'webp', width: b.u24le(24) + 1, height: b.u24le(27) + 1, orientation: 1 };
  return undefined;
}

const AVIF_BRANDS = ['avif', 'avis'];
const HEIC_BRANDS = ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'];

/** AVIF or HEIC by the brands of an ISO base media file's 'ftyp' box, or undefined. */
function isobmffFormat(b: Bytes): 'avif' | 'heic' | undefined {
  const ftypSize = b.u32(0);
  if (ftypSize < 16) return undefined;
  const brands = [b.ascii(8, 4)];
  for (let at = 16; at + 4 <= ftypSize; at += 4) brands.push(b.ascii(at, 4));
  if (brands.some((x) => AVIF_BRANDS.includes(x))) return 'avif';
  return brands.some((x) => HEIC_BRANDS.includes(x)) ? 'heic' : undefined;
}

/** AVIF and HEIC (ISO base media files): the primary item's 'ispe' (its size) and 'irot' (a turn). */
function isobmff(b: Bytes): ImageHeader | undefined {
  const format = isobmffFormat(b);
  if (!format) return undefined;
  const meta = childBoxes(b, 0, Infinity).find((box) => box.kind === 'meta');
  if (!meta) throw new Truncated(); // top-level boxes ran off the end before 'meta'
  const inMeta = childBoxes(b, meta.body + 4, meta.end); // a full box: version and flags first
  const pitm = inMeta.find((box) => box.kind === 'pitm');
  const inIprp = childBoxes(b, ...bodyOf(inMeta, 'iprp'));
  const ipco = inIprp.find((box) => box.kind === 'ipco');
  const ipma = inIprp.find((box) => box.kind === 'ipma');
  if (!pitm || !ipco || !ipma) return undefined;
  const primary = b.u8(pitm.body) === 0 ? b.u16(pitm.body + 4) : b.u32(pitm.body + 4);
  const properties = childBoxes(b, ipco.body, ipco.end);
  const indices = propertiesOf(b, ipma, primary);
  let size: { width: number; height: number } | undefined;
  let orientation = 1;
  for (const index of indices) {
    const property = properties[index - 1];
    if (property?.kind === 'ispe') size = { width: b.u32(property.body + 4), height: b.u32(property.body + 8) };
    if (property?.kind === 'irot') orientation = [1, 8, 3, 6][b.u8(property.body) & 3]; // anticlockwise quarters
  }
  return size && { format, ...size, orientation };
}

interface Box {
  kind: string;
  body: number;
  end: number;
}

/** The boxes from start to end (Infinity: to the end of the bytes, the file's top level). */
function childBoxes(b: Bytes, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  for (let at = start; at < Math.min(end, b.length);) {
    let size = b.u32(at);
    const kind = b.ascii(at + 4, 4);
    let body = at + 8;
    if (size === 1) {
      size = b.u32(at + 8) * 2 ** 32 + b.u32(at + 12);
      body += 8;
    } else if (size === 0) size = (end === Infinity ? b.length : end) - at; // to the end
    if (size < body - at) throw new Truncated();
    boxes.push({ kind, body, end: at + size });
    at += size;
  }
  return boxes;
}

function bodyOf(boxes: Box[], kind: string): [number, number] {
  const box = boxes.find((x) => x.kind === kind);
  return box ? [box.body, box.end] : [0, 0];
}

/** The 1-based indices into 'ipco' of the properties an 'ipma' box gives `item`. */
function propertiesOf(b: Bytes, ipma: Box, item: number): number[] {
  const [version, flags] = [b.u8(ipma.body), b.u8(ipma.body + 3)];
  const count = b.u32(ipma.body + 4);
  let at = ipma.body + 8;
  for (let i = 0; i < count && at < ipma.end; i++) {
    const id = version < 1 ? b.u16(at) : b.u32(at);
    at += version < 1 ? 2 : 4;
    const n = b.u8(at++);
    const indices: number[] = [];
    for (let j = 0; j < n; j++) {
      indices.push(flags & 1 ? b.u16(at) & 0x7fff : b.u8(at) & 0x7f);
      at += flags & 1 ? 2 : 1;
    }
    if (id === item) return indices;
  }
  return [];
}
