// npm run bench:hard-faces -- [--data ../shared/data/UTKFace] [--split training/splits/utkface.json] [--count 300]
//                             [--seed 1] [--only REGEX] [--misses DIR] [--detector F --score-threshold T]
//                             [--large-face-score S]
//
// How many faces FaceDetector.detect (default options, as the CLI calls it) finds in hard cases made
// from validation chips (never the test part): each of `--count` chips, evenly spread over the val
// part, is turned into one case of every kind below, with seeded random size, angle, position and
// background (flat colour, noise, or a crop of dogs.jpg, which has no human face).
//
// A case counts as found when a detected box overlaps the face's box at IoU >= 0.4 (as for the
// annotated photos below). The face's box is where BlazeFace puts it on an untouched chip (a square
// 0.9 of the chip around its centre; median 180 px), moved, scaled and squeezed with the chip but
// left upright (BlazeFace's boxes are), and clipped to the photo like the detector's boxes.
// Every other detection is an "extra" (a false detection, or the same face found twice).
// Then the detector runs on faces-in-photos: the 18 boxes of training.xml (found at IoU >= 0.4, as
// bench/facesInPhotos.test.ts counts them), false detections there, and faces found on dogs.jpg.
// `--only REGEX` keeps the kinds whose name matches; `--misses DIR` writes the cases not found as JPEGs;
// `--detector` runs another BlazeFace graph, at `--score-threshold` instead of the default bar; `--large-face-score`
// is the bar for faces that fill the image (DetectorOptions.largeFaceScore; 0.75: none lower than the default bar).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import sharp from 'sharp';
import { DEFAULT_DETECTOR_OPTIONS, FaceDetector } from '../src/lib/detect';
import { type Box, iou } from '../src/lib/geometry';
import { initBackend, modelFromDisk } from '../src/node/nodeRuntime';
import { FACES_IN_PHOTOS as PHOTOS, readAnnotatedFaces } from './annotatedFaces';
import { imageTensor, type RgbImage, readImage } from '../src/node/readImage';
import { median } from './timing';

const CHIP = 200;
const [CANVAS_W, CANVAS_H] = [640, 480];

/** Where the chip lands: its centre at (x, y), rotated by `angle` degrees, `scaleX`/`scaleY` image px per chip px. */
interface Placement {
  x: number;
  y: number;
  angle: number;
  scaleX: number;
  scaleY: number;
}
interface Case {
  image: RgbImage;
  placement: Placement;
}
type Rng = () => number;

/** mulberry32: a small seeded generator, so every run builds the same cases. */
function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const uniform = (r: Rng, lo: number, hi: number): number => lo + (hi - lo) * r();
const sign = (r: Rng): number => (r() < 0.5 ? -1 : 1);

/** A 640x480 background: a flat colour, noise, or a random crop of a photo without faces. */
function background(r: Rng, photo: RgbImage): RgbImage {
  const data = new Uint8Array(CANVAS_W * CANVAS_H * 3);
  const kind = Math.floor(r() * 3);
  if (kind === 0) {
    const colour = [0, 1, 2].map(() => Math.floor(uniform(r, 20, 235)));
    for (let i = 0; i < data.length; i++) data[i] = colour[i % 3];
  } else if (kind === 1) {
    const [mean, spread] = [uniform(r, 60, 190), uniform(r, 20, 60)];
    for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, mean + spread * (r() + r() + r() - 1.5)));
  } else {
    const [ox, oy] = [Math.floor(r() * (photo.width - CANVAS_W)), Math.floor(r() * (photo.height - CANVAS_H))];
    for (let y = 0; y < CANVAS_H; y++) {
      const from = ((oy + y) * photo.width + ox) * 3;
      data.set(photo.data.subarray(from, from + CANVAS_W * 3), y * CANVAS_W * 3);
    }
  }
  return { data, width: CANVAS_W, height: CANVAS_H };
}

/** Image point -> chip point (pixel-edge coordinates, 0..200), the inverse of the placement. */
function toChip(p: Placement, qx: number, qy: number): [number, number] {
  const [c, s] = [Math.cos((p.angle * Math.PI) / 180), Math.sin((p.angle * Math.PI) / 180)];
  const [dx, dy] = [qx - p.x, qy - p.y];
  return [CHIP / 2 + (c * dx + s * dy) / p.scaleX, CHIP / 2 + (-s * dx + c * dy) / p.scaleY];
}

/** Draws the chip onto `canvas` (bilinear), in place. */
function paste(canvas: RgbImage, chip: RgbImage, p: Placement): void {
  const reach = (CHIP / 2) * Math.SQRT2 * Math.max(p.scaleX, p.scaleY) + 2;
  const clampX = (v: number): number => Math.max(0, Math.min(canvas.width - 1, Math.round(v)));
  const clampY = (v: number): number => Math.max(0, Math.min(canvas.height - 1, Math.round(v)));
  for (let y = clampY(p.y - reach); y <= clampY(p.y + reach); y++) {
    for (let x = clampX(p.x - reach); x <= clampX(p.x + reach); x++) {
      const [u, v] = toChip(p, x + 0.5, y + 0.5);
      if (u < 0 || v < 0 || u >= CHIP || v >= CHIP) continue;
      const [fx, fy] = [Math.max(0, Math.min(CHIP - 1.001, u - 0.5)), Math.max(0, Math.min(CHIP - 1.001, v - 0.5))];
      const [x0, y0] = [Math.floor(fx), Math.floor(fy)];
      const [ax, ay] = [fx - x0, fy - y0];
      for (let ch = 0; ch < 3; ch++) {
        const at = (yy: number, xx: number): number => chip.data[(yy * CHIP + xx) * 3 + ch];
        canvas.data[(y * canvas.width + x) * 3 + ch] = Math.round(
          (1 - ay) * ((1 - ax) * at(y0, x0) + ax * at(y0, x0 + 1)) +
            ay * ((1 - ax) * at(y0 + 1, x0) + ax * at(y0 + 1, x0 + 1)),
        );
      }
    }
  }
}

/** The chip, `side` px, somewhere wholly inside the canvas. */
function inside(r: Rng, side: number, angle = 0, squeeze = 1): Placement {
  const reach = (side / 2) * (angle ? Math.SQRT2 : 1);
  return {
    x: uniform(r, reach, CANVAS_W - reach),
    y: uniform(r, reach, CANVAS_H - reach),
    angle,
    scaleX: (side * squeeze) / CHIP,
    scaleY: side / CHIP,
  };
}

function onCanvas(r: Rng, chip: RgbImage, photo: RgbImage, place: (r: Rng) => Placement): Case {
  const image = background(r, photo);
  const placement = place(r);
  paste(image, chip, placement);
  return { image, placement };
}

const KINDS: Record<string, (chip: RgbImage, r: Rng, photo: RgbImage) => Case> = {
  'chip as the photo': (chip) => ({
    image: chip,
    placement: { x: CHIP / 2, y: CHIP / 2, angle: 0, scaleX: 1, scaleY: 1 },
  }),
  'rotated 25°, 120-260 px': (chip, r, photo) =>
    onCanvas(r, chip, photo, () => inside(r, uniform(r, 120, 260), 25 * sign(r))),
  'rotated 45°, 120-260 px': (chip, r, photo) =>
    onCanvas(r, chip, photo, () => inside(r, uniform(r, 120, 260), 45 * sign(r))),
  // The face from brows to chin is about 0.6 of the chip: 42-60 px.
  'small, chip 70-100 px': (chip, r, photo) => onCanvas(r, chip, photo, () => inside(r, uniform(r, 70, 100))),
  'cut by the edge (25% off)': (chip, r, photo) =>
    onCanvas(r, chip, photo, () => {
      const side = uniform(r, 120, 300);
      const off = uniform(r, 0.2, 0.3) * side;
      const edge = Math.floor(r() * 4);
      const along = (extent: number): number => uniform(r, side / 2, extent - side / 2);
      const [x, y] = [
        [side / 2 - off, along(CANVAS_H)],
        [CANVAS_W - side / 2 + off, along(CANVAS_H)],
        [along(CANVAS_W), side / 2 - off],
        [along(CANVAS_W), CANVAS_H - side / 2 + off],
      ][edge];
      return { x, y, angle: 0, scaleX: side / CHIP, scaleY: side / CHIP };
    }),
  // A crude stand-in for a head turned away: the face narrowed to 55-70% of its width.
  'squeezed to 55-70% wide': (chip, r, photo) =>
    onCanvas(r, chip, photo, () => inside(r, uniform(r, 120, 260), 0, uniform(r, 0.55, 0.7))),
  'dark (25-40% brightness)': (chip, r, photo) => {
    const c = onCanvas(r, chip, photo, () => inside(r, uniform(r, 120, 260)));
    const k = uniform(r, 0.25, 0.4);
    for (let i = 0; i < c.image.data.length; i++) c.image.data[i] = Math.round(c.image.data[i] * k);
    return c;
  },
};

/** The face's box in the case's image; see the header. */
function faceBox(p: Placement, width: number, height: number): Box {
  const [w, h] = [0.9 * CHIP * p.scaleX, 0.9 * CHIP * p.scaleY];
  const [left, top] = [Math.max(0, p.x - w / 2), Math.max(0, p.y - h / 2)];
  return { left, top, width: Math.min(width, p.x + w / 2) - left, height: Math.min(height, p.y + h / 2) - top };
}

const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)}%`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: '../shared/data/UTKFace' },
      split: { type: 'string', default: 'training/splits/utkface.json' },
      count: { type: 'string', default: '300' },
      seed: { type: 'string', default: '1' },
      detector: { type: 'string', default: 'public/models/blazeface/blazeface-front.json' },
      only: { type: 'string', default: '' },
      misses: { type: 'string' },
      // another graph may score higher everywhere: run it at a bar matched to it
      'score-threshold': { type: 'string', default: String(DEFAULT_DETECTOR_OPTIONS.scoreThreshold) },
      'large-face-score': { type: 'string', default: String(DEFAULT_DETECTOR_OPTIONS.largeFaceScore) },
    },
  });
  const options = {
    scoreThreshold: Number(values['score-threshold']),
    largeFaceScore: Number(values['large-face-score']),
  };
  for (const [flag, bar] of [
    ['--score-threshold', options.scoreThreshold],
    ['--large-face-score', options.largeFaceScore],
  ] as const)
    if (!(bar > 0 && bar < 1)) throw new Error(`${flag} ${bar}: expected a number between 0 and 1`);
  // The val part only: the test part stays unseen by anything we tune.
  const val = (JSON.parse(readFileSync(values.split!, 'utf8')) as { val: string[] }).val;
  const count = Math.min(Number(values.count), val.length);
  const names = Array.from({ length: count }, (_, i) => val[Math.floor((i * val.length) / count)]);
  if (values.misses) mkdirSync(values.misses, { recursive: true });
  await initBackend('wasm');
  const detector = await FaceDetector.load(modelFromDisk(values.detector!));
  const dogs = await readImage(join(PHOTOS, 'dogs.jpg'));

  const kinds = Object.keys(KINDS).filter((k) => new RegExp(values.only!).test(k));
  const tally = new Map(kinds.map((k) => [k, { found: 0, total: 0, extra: 0, ms: [] as number[] }]));
  const progress = new SingleBar({
    format: 'hard cases [{bar}] {value}/{total} chips | {eta_formatted} left',
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  });
  progress.start(names.length, 0);
  const r = rng(Number(values.seed));
  for (const [i, name] of names.entries()) {
    const chip = await readImage(join(values.data!, name));
    if (chip.width !== CHIP || chip.height !== CHIP) throw new Error(`${name}: expected a ${CHIP}x${CHIP} chip`);
    for (const kind of Object.keys(KINDS)) {
      // every kind draws its random numbers, so that --only leaves the other cases as they were
      const c = KINDS[kind](chip, r, dogs);
      if (!kinds.includes(kind)) continue;
      const image = imageTensor(c.image);
      const start = performance.now();
      const faces = await detector.detect(image, options);
      const t = tally.get(kind)!;
      t.ms.push(performance.now() - start);
      image.dispose();
      const face = faceBox(c.placement, c.image.width, c.image.height);
      const hit = faces.some((f) => iou(f.box, face) >= 0.4);
      t.total++;
      if (hit) t.found++;
      t.extra += faces.length - (hit ? 1 : 0);
      if (!hit && values.misses) {
        await sharp(c.image.data, { raw: { width: c.image.width, height: c.image.height, channels: 3 } })
          .jpeg()
          .toFile(join(values.misses, `${Object.keys(KINDS).indexOf(kind)}-${name.replace('.jpg.chip.jpg', '')}.jpg`));
      }
    }
    progress.update(i + 1);
  }
  progress.stop();

  console.log(
    `hard cases from ${count} val chips of ${values.split} (seed ${values.seed}); FaceDetector.detect, ${values.detector} at score threshold ${options.scoreThreshold}, large faces from ${options.largeFaceScore} (otherwise default options)`,
  );
  console.log(
    `${'case'.padEnd(28)} ${'found'.padStart(9)} ${'%'.padStart(7)} ${'extra'.padStart(6)} ${'median ms'.padStart(10)}`,
  );
  const all = { found: 0, total: 0, extra: 0, ms: [] as number[] };
  for (const [kind, t] of tally) {
    console.log(
      `${kind.padEnd(28)} ${`${t.found}/${t.total}`.padStart(9)} ${pct(t.found, t.total).padStart(7)} ${String(t.extra).padStart(6)} ${median(t.ms).toFixed(0).padStart(10)}`,
    );
    all.found += t.found;
    all.total += t.total;
    all.extra += t.extra;
    all.ms.push(...t.ms);
  }
  console.log(
    `${'all'.padEnd(28)} ${`${all.found}/${all.total}`.padStart(9)} ${pct(all.found, all.total).padStart(7)} ${String(all.extra).padStart(6)} ${median(all.ms).toFixed(0).padStart(10)}`,
  );

  const truth = readAnnotatedFaces();
  let [found, annotated, falseDetections] = [0, 0, 0];
  for (const file of [...truth.keys(), 'dogs.jpg']) {
    const boxes = truth.get(file) ?? [];
    const image = imageTensor(await readImage(join(PHOTOS, file)));
    const detected = await detector.detect(image, options);
    image.dispose();
    annotated += boxes.length;
    found += boxes.filter((b) => detected.some((d) => iou(d.box, b) >= 0.4)).length;
    const extra = detected.filter((d) => !boxes.some((b) => iou(d.box, b) >= 0.4)).length;
    if (file === 'dogs.jpg') console.log(`faces found on dogs.jpg: ${detected.length}`);
    else falseDetections += extra;
  }
  console.log(
    `faces-in-photos: ${found} of ${annotated} annotated faces found (IoU >= 0.4), ${falseDetections} false detections on the annotated photos`,
  );
  detector.dispose();
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
