// --draw DIR: a copy of each photo with every face boxed and labelled (age, interval, gender), as a JPEG.
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import sharp from 'sharp';
import type { FaceAnalysis } from '../lib/analyze';
import { intervalText } from '../lib/interval';
import type { DecodedFile } from '../node/readImage';

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function faceLabel(f: FaceAnalysis): string {
  return `${f.age.toFixed(0)} (${intervalText(f, '-')}) ${f.gender === 'uncertain' ? '?' : f.gender === 'female' ? 'F' : 'M'} ${(Math.max(f.femaleProbability, 1 - f.femaleProbability) * 100).toFixed(0)}%`;
}

/** The faces (in the file's pixels) drawn over the image as decoded: the SVG's viewBox maps the one onto the other. */
function overlay(img: DecodedFile, faces: FaceAnalysis[]): string {
  const [width, height] = [img.fileWidth, img.fileHeight];
  const px = width / img.width; // one pixel of the copy, in the file's pixels: labels stay readable on the copy
  const stroke = Math.max(2 * px, Math.round(Math.max(width, height) / 400));
  const shapes = faces.map((f) => {
    const { left, top, width: w, height: h } = f.box;
    const font = Math.max(12 * px, Math.round(w / 5));
    const y = top > font + 4 * px ? top - 4 * px : top + h + font;
    const x = Math.max(0, Math.min(left, width - 0.6 * font * faceLabel(f).length)); // keep the label inside the picture
    const dots = Object.values(f.keypoints)
      .map(([x, py]) => `<circle cx="${x}" cy="${py}" r="${stroke}" fill="#ffd400"/>`)
      .join('');
    return (
      `<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#00e0ff" stroke-width="${stroke}"/>${dots}` +
      `<text x="${x}" y="${y}" font-family="sans-serif" font-size="${font}" fill="#fff" stroke="#000" stroke-width="${font / 8}" paint-order="stroke">${escapeXml(faceLabel(f))}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none">${shapes.join('')}</svg>`;
}

/**
 * Where the copy of `path` goes: its folders as given (from the current one, or from the root for a path
 * outside it) under `dir`, so that archives with one IMG_0001.jpg per folder keep each copy.
 */
export function drawnPath(path: string, dir: string): string {
  const full = resolve(path);
  const fromHere = relative(process.cwd(), full);
  const outside = fromHere === '..' || fromHere.startsWith(`..${sep}`) || isAbsolute(fromHere); // not a folder named '..x'
  const kept = outside ? full.slice(parse(full).root.length) : fromHere;
  return join(dir, dirname(kept), `${parse(kept).name}.faces.jpg`);
}

/** Writes the copy at drawnPath(path, dir); returns its path. */
export async function drawFaces(img: DecodedFile, faces: FaceAnalysis[], path: string, dir: string): Promise<string> {
  const out = drawnPath(path, dir);
  await mkdir(dirname(out), { recursive: true });
  await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .composite([{ input: Buffer.from(overlay(img, faces)), top: 0, left: 0 }])
    .jpeg({ quality: 90 })
    .toFile(out);
  return out;
}
