// npm run bench:surround-windows -- [--data ../shared/data] [--faces training/.cache/faces]
//                                   [--split training/splits/real-photos.json] [--settings '[[1.5],[1.5,2.5]]']
//
// How many of FairFace's photos in which `npm run cut:faces` found no face (its train and val parts only: the test
// part is never looked at here) FaceDetector.detect finds with each setting of DetectorOptions.surroundWindows,
// the windows around the whole photo that are asked for faces as large as the photo or larger. A face counts when
// the largest box's centre lies in the middle half of the photo (FairFace's photos are crops around one face).
// On faces-in-photos, dogs.jpg and hard cases, `npm run bench:hard-faces` says what the windows cost.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { parse } from 'csv-parse/sync';
import { FaceDetector } from '../src/lib/detect';
import { initBackend, modelFromDisk } from '../src/node/nodeRuntime';
import { imageTensor, readImage } from '../src/node/readImage';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data' },
    faces: { type: 'string', default: 'training/.cache/faces' },
    split: { type: 'string', default: 'training/splits/real-photos.json' },
    settings: { type: 'string', default: '[[1.5],[1.5,2.5]]' },
  },
});
const settings = JSON.parse(values.settings!) as number[][];
const parts = JSON.parse(readFileSync(values.split!, 'utf8')).sets.fairface as Record<string, string[]>;
const seen = new Set([...parts.train, ...parts.val]);
const rows = parse(readFileSync(join(values.faces!, 'fairface', 'index.csv')), { columns: true }) as Record<
  string,
  string
>[];
const misses = rows.filter((r) => r.found === '0' && seen.has(r.file)).map((r) => r.file);

await initBackend('wasm');
const detector = await FaceDetector.load(modelFromDisk('public/models/blazeface/blazeface-front.json'));
const found = settings.map(() => 0);
const progress = new SingleBar({ format: 'photos [{bar}] {value}/{total} | {eta_formatted} left', noTTYOutput: true });
progress.start(misses.length, 0);
for (const file of misses) {
  const img = await readImage(join(values.data!, 'fairface', file));
  const pixels = imageTensor(img);
  for (const [i, surroundWindows] of settings.entries()) {
    const [face] = await detector.detect(pixels, { maxFaces: 1, surroundWindows });
    const [x, y] = face ? [face.box.left + face.box.width / 2, face.box.top + face.box.height / 2] : [-1, -1];
    if (Math.abs(x - img.width / 2) < img.width / 4 && Math.abs(y - img.height / 2) < img.height / 4) found[i]++;
  }
  pixels.dispose();
  progress.increment();
}
progress.stop();
console.log(`${misses.length} FairFace train and val photos without a face found by cut:faces`);
for (const [i, s] of settings.entries()) console.log(`surroundWindows ${JSON.stringify(s)}: ${found[i]} found`);
detector.dispose();
