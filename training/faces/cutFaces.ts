// npm run cut:faces -- [--data ../shared/data] [--out training/.cache/faces] [--sets a,b,...]
//                      [--detector public/models/blazeface/blazeface-front.json] [--surround-windows 1.4,1.55,...]
//                      [--large-face-score 0.65]
//
// Every labelled real photo cut as the app cuts it (decode with EXIF orientation, BlazeFace, the
// largest face aligned into the 200x200 chip frame), for training and for judging a model on the
// faces users' photos give it. Writes OUT/SET/faces/FILE.png and OUT/SET/index.csv (one row per
// labelled photo: its labels as labels.csv gives them, then found, score, box and error; a photo with
// no face found, or that cannot be read, keeps its row with found=0), which
// training/agegender_train/real_data.py reads.
// `--surround-windows` are the detector's windows around the whole photo (DetectorOptions.surroundWindows) and
// `--large-face-score` the score from which a face filling the photo counts (DetectorOptions.largeFaceScore), the
// app's by default: a recipe names the ones its model was cut with. A set is cut again only when its labels,
// the detector's files or these options change (index.json records their sha256). Rows go to
// index.partial.csv as photos are cut, so a killed run goes on where it stopped; index.csv is written
// last, atomically, so no index claims faces it does not have.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { SingleBar } from 'cli-progress';
import sharp from 'sharp';
import { alignFace } from '../../src/lib/align';
import { DEFAULT_DETECTOR_OPTIONS, type DetectedFace, FaceDetector, type DetectorOptions } from '../../src/lib/detect';
import { ImageReadError } from '../../src/lib/imageSize';
import { initBackend, modelFromDisk } from '../../src/node/nodeRuntime';
import { readImage, toDecodedPhoto } from '../../src/node/readImage';
import { REAL_SETS as SETS, type RealSetName } from './realSets';

// Part of each set's cache key: change it when what a cut face is changes.
const CUTTER_VERSION = 'largest face, alignFace chip frame, 200 px PNG, labels in index.csv';

interface CutConfig {
  data: string;
  out: string;
  sets: RealSetName[];
  detector: string;
  options: Pick<DetectorOptions, 'surroundWindows' | 'largeFaceScore'>;
}

function parseConfig(): CutConfig {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: '../shared/data' },
      out: { type: 'string', default: 'training/.cache/faces' },
      sets: { type: 'string', default: Object.keys(SETS).join(',') },
      detector: { type: 'string', default: 'public/models/blazeface/blazeface-front.json' },
      'surround-windows': { type: 'string', default: DEFAULT_DETECTOR_OPTIONS.surroundWindows.join(',') },
      'large-face-score': { type: 'string', default: String(DEFAULT_DETECTOR_OPTIONS.largeFaceScore) },
    },
  });
  const surroundWindows = values['surround-windows']!.split(',').map(Number);
  if (!surroundWindows.length || surroundWindows.some((k) => !(k >= 1)))
    throw new Error(`--surround-windows: ${values['surround-windows']} is not a list of numbers of at least 1`);
  const largeFaceScore = Number(values['large-face-score']);
  if (!(largeFaceScore > 0 && largeFaceScore < 1))
    throw new Error(`--large-face-score: ${values['large-face-score']} is not a number between 0 and 1`);
  const sets = values.sets!.split(',').filter(Boolean);
  const unknown = sets.filter((s) => !(s in SETS));
  if (unknown.length) throw new Error(`--sets: ${unknown.join(', ')} unknown (known: ${Object.keys(SETS).join(', ')})`);
  const options = { surroundWindows, largeFaceScore };
  return { data: values.data!, out: values.out!, sets: sets as RealSetName[], detector: values.detector!, options };
}

function sha256(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/**
 * The detector options in a cache key. A large-face bar at or above the default bar changes nothing, and keys
 * without one hold the windows alone (as before the bar was an option); a lower one brings the side it applies from.
 */
function detectorKey({ surroundWindows, largeFaceScore }: CutConfig['options']): string {
  const { scoreThreshold, largeFaceSide } = DEFAULT_DETECTOR_OPTIONS;
  const large = largeFaceScore < scoreThreshold ? ` large face score ${largeFaceScore} from side ${largeFaceSide}` : '';
  return `surround ${surroundWindows}${large}`;
}

/** What a set's faces depend on: the cutter, the detector's files and options, the labels. */
function cacheKey(cfg: CutConfig, labelsCsv: Buffer): string {
  const manifest = JSON.parse(readFileSync(cfg.detector, 'utf8')) as { weightsManifest: { paths: string[] }[] };
  const weights = manifest.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(cfg.detector, '..', p))));
  return sha256(CUTTER_VERSION, readFileSync(cfg.detector), ...weights, labelsCsv, detectorKey(cfg.options));
}

/** A photo's largest face, cut into `png`; a file that cannot be read is kept as a photo without one, and says why. */
async function cutPhoto(
  path: string,
  detector: FaceDetector,
  options: CutConfig['options'],
  png: string,
): Promise<{ face: DetectedFace | undefined; error?: string }> {
  // A file that is not there is a wrong --data or label, not a photo without a face: stop before caching that.
  if (!existsSync(path)) throw new Error(`${path} is missing (is --data right?)`);
  let photo;
  try {
    photo = toDecodedPhoto(await readImage(path));
  } catch (e) {
    if (e instanceof ImageReadError) return { face: undefined, error: e.message };
    throw e;
  }
  try {
    const [face] = await detector.detect(photo.pixels, { ...options, maxFaces: 1 });
    if (face) {
      const pixels = tf.tidy(() => alignFace(photo.pixels, face.keypoints).clipByValue(0, 255).round().cast('int32'));
      const chip = await pixels.data();
      pixels.dispose();
      await sharp(Buffer.from(Uint8Array.from(chip)), { raw: { width: 200, height: 200, channels: 3 } })
        .png()
        .toFile(png);
    }
    return { face };
  } finally {
    photo.pixels.dispose();
  }
}

async function cutSet(name: RealSetName, cfg: CutConfig, detector: FaceDetector): Promise<void> {
  const set = SETS[name];
  const root = join(cfg.data, set.folder);
  const labelsCsv = readFileSync(join(root, 'labels.csv'));
  const labels = parse(labelsCsv, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const files = labels.map((r) => r.file);
  const out = join(cfg.out, name);
  const key = cacheKey(cfg, labelsCsv);
  const meta = join(out, 'index.json');
  if (existsSync(meta) && existsSync(join(out, 'index.csv')) && JSON.parse(readFileSync(meta, 'utf8')).key === key) {
    console.log(`${name}: ${files.length} photos already cut in ${out}`);
    return;
  }
  mkdirSync(join(out, 'faces'), { recursive: true });
  // A killed run's rows, when it cut with the same key.
  const partial = join(out, 'index.partial.csv');
  const partialKey = join(out, 'partial.json');
  const sameKey = existsSync(partialKey) && JSON.parse(readFileSync(partialKey, 'utf8')).key === key;
  const rows: Record<string, string | number>[] =
    sameKey && existsSync(partial)
      ? (parse(readFileSync(partial), { columns: true, skip_empty_lines: true }) as Record<string, string>[])
      : [];
  const done = new Set(rows.map((r) => r.file));
  if (!rows.length) writeFileSync(partial, ''); // before the key: a kill between the two keeps no stale rows
  if (!sameKey) writeFileSync(partialKey, JSON.stringify({ key }));
  const progress = new SingleBar({
    format: `${name} [{bar}] {value}/{total} photos | {eta_formatted} left`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  });
  progress.start(files.length, done.size);
  for (const [i, file] of files.entries()) {
    if (done.has(file)) continue;
    const { face, error } = await cutPhoto(
      join(root, set.images, file),
      detector,
      cfg.options,
      join(out, 'faces', `${file.replaceAll('/', '_')}.png`),
    );
    const row = {
      ...labels[i],
      found: face ? 1 : 0,
      score: face ? face.score.toFixed(4) : '',
      box: face ? [face.box.left, face.box.top, face.box.width, face.box.height].map(Math.round).join(' ') : '',
      error: error ?? '',
    };
    appendFileSync(partial, stringify([row], { header: rows.length === 0 }));
    rows.push(row);
    progress.update(rows.length);
  }
  progress.stop();
  const order = new Map(files.map((f, i) => [f, i]));
  rows.sort((a, b) => order.get(String(a.file))! - order.get(String(b.file))!);
  writeFileSync(`${join(out, 'index.csv')}.tmp`, stringify(rows, { header: true }));
  renameSync(`${join(out, 'index.csv')}.tmp`, join(out, 'index.csv'));
  writeFileSync(meta, `${JSON.stringify({ key, cutter: CUTTER_VERSION, photos: files.length }, null, 1)}\n`);
  rmSync(partial);
  rmSync(partialKey);
  const found = rows.filter((r) => Number(r.found)).length;
  console.log(`${name}: a face in ${found} of ${files.length} photos (${(found / files.length).toFixed(3)}) -> ${out}`);
}

async function main(): Promise<void> {
  const cfg = parseConfig();
  await initBackend('wasm');
  const detector = await FaceDetector.load(modelFromDisk(cfg.detector));
  for (const name of cfg.sets) await cutSet(name, cfg, detector);
  detector.dispose();
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
