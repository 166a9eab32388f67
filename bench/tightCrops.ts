// npm run bench:tight-crops -- [--data ../shared/data] [--faces training/.cache/faces]
//                              [--split training/splits/real-photos.json] [--settings '[{"largeFaceScore":0.75},{}]']
//
// Faces that fill the photo, for each setting of DetectorOptions given (a JSON list; {} is the app's defaults):
// - found: how many of FairFace's photos without a face in the faces cache at --faces (its train and val parts
//   only: the test part is never looked at here) FaceDetector.detect finds. A face counts when the largest box's
//   centre lies in the middle half of the photo (FairFace's photos are crops around one face). Which photos those
//   are depends on how the cache was cut: as recipes v10 and v11 cut it (`npm run cut:faces -- --surround-windows
//   1.5 --large-face-score 0.75`), 525; with the app's defaults, far fewer.
// - false: how many square crops of faces-in-photos without a human face in them (dogs.jpg, and the annotated
//   photos away from every hand-drawn box) it finds a face in. Many are a dog's face filling the crop: the
//   hardest case for a lower bar on faces that fill the photo.
// `npm run bench:hard-faces` says what a setting costs on faces in larger photos.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { parse } from 'csv-parse/sync';
import { type DetectorOptions, FaceDetector } from '../src/lib/detect';
import { type Box, boxesOverlap } from '../src/lib/geometry';
import { initBackend, modelFromDisk } from '../src/node/nodeRuntime';
import { imageTensor, readImage } from '../src/node/readImage';
import { FACES_IN_PHOTOS, readAnnotatedFaces } from './annotatedFaces';

/** Crop sides, as fractions of the photo's shorter side; crops step a third of their side. */
const CROP_SIDES = [0.25, 0.4, 0.6, 0.8, 1];

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data' },
    faces: { type: 'string', default: 'training/.cache/faces' },
    split: { type: 'string', default: 'training/splits/real-photos.json' },
    settings: { type: 'string', default: '[{"largeFaceScore":0.75},{}]' },
  },
});
const settings = JSON.parse(values.settings!) as Partial<DetectorOptions>[];
const parts = JSON.parse(readFileSync(values.split!, 'utf8')).sets.fairface as Record<string, string[]>;
const seen = new Set([...parts.train, ...parts.val]);
const rows = parse(readFileSync(join(values.faces!, 'fairface', 'index.csv')), { columns: true }) as Record<
  string,
  string
>[];
const misses = rows.filter((r) => r.found === '0' && seen.has(r.file)).map((r) => r.file);

/** Square crops of a photo that stay clear of its faces (each box grown by half its size: hair and chin too). */
function cropsWithoutFaces(width: number, height: number, faces: Box[]): Box[] {
  const clear = faces.map((f) => ({
    left: f.left - f.width / 2,
    top: f.top - f.height / 2,
    width: 2 * f.width,
    height: 2 * f.height,
  }));
  return CROP_SIDES.flatMap((fraction) => {
    const side = Math.round(fraction * Math.min(width, height));
    const step = Math.max(8, Math.round(side / 3));
    const crops: Box[] = [];
    for (let top = 0; top + side <= height; top += step)
      for (let left = 0; left + side <= width; left += step) crops.push({ left, top, width: side, height: side });
    return crops.filter((c) => clear.every((f) => !boxesOverlap(c, f)));
  });
}

await initBackend('wasm');
const detector = await FaceDetector.load(modelFromDisk('public/models/blazeface/blazeface-front.json'));
const found = settings.map(() => 0);
const falseFaces = settings.map(() => 0);
const annotated = readAnnotatedFaces();
const negatives = ['dogs.jpg', ...annotated.keys()];
const progress = new SingleBar({ format: 'photos [{bar}] {value}/{total} | {eta_formatted} left', noTTYOutput: true });
progress.start(misses.length + negatives.length, 0);
for (const file of misses) {
  const img = await readImage(join(values.data!, 'fairface', file));
  const pixels = imageTensor(img);
  for (const [i, setting] of settings.entries()) {
    const [face] = await detector.detect(pixels, { ...setting, maxFaces: 1 });
    const [x, y] = face ? [face.box.left + face.box.width / 2, face.box.top + face.box.height / 2] : [-1, -1];
    if (Math.abs(x - img.width / 2) < img.width / 4 && Math.abs(y - img.height / 2) < img.height / 4) found[i]++;
  }
  pixels.dispose();
  progress.increment();
}
let crops = 0;
for (const file of negatives) {
  const img = await readImage(join(FACES_IN_PHOTOS, file));
  const pixels = imageTensor(img);
  for (const c of cropsWithoutFaces(img.width, img.height, annotated.get(file) ?? [])) {
    const crop = pixels.slice([c.top, c.left, 0], [c.height, c.width, 3]);
    for (const [i, setting] of settings.entries())
      if ((await detector.detect(crop, { ...setting, maxFaces: 1 })).length > 0) falseFaces[i]++;
    crop.dispose();
    crops++;
  }
  pixels.dispose();
  progress.increment();
}
progress.stop();
console.log(`${misses.length} FairFace train and val photos without a face found by cut:faces;`);
console.log(`${crops} crops of ${negatives.join(', ')} without a human face`);
for (const [i, s] of settings.entries())
  console.log(`${JSON.stringify(s)}: ${found[i]} found, a face in ${falseFaces[i]} crops without one`);
detector.dispose();
