// npm run predict -- [--crop] [--min-face PX] [--max-faces N] [--draw DIR] [--format csv|json] [--output FILE]
//                     [--files-from LIST] [--model model.json] [--detector model.json] PATH...
//
// One row per face: path,face,left,top,width,height,score,age,age_low,age_high,gender,female_probability,error.
// Faces are found with BlazeFace, aligned like the training chips and estimated, largest first; an
// image with no face gets one row with empty face fields. --crop reads each image as one aligned
// face instead (face 0, the whole image as its box, no detection score). A file that cannot be read
// gets a row with `error` and the run goes on; the exit status is 1 if any file failed.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { SingleBar } from 'cli-progress';
import { stringify } from 'csv-stringify/sync';
import { FaceAnalyzer } from '../lib/analyze';
import { AgeGenderModel } from '../lib/model';
import { chipRow, CSV_COLUMNS, emptyRow, photoRows, type PredictionRow } from '../lib/predictionRow';
import { initBackend, modelFromDisk } from './nodeRuntime';
import { drawFaces } from './drawFaces';
import { ImageReadError, type RgbImage, readImage } from './readImage';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.avif', '.heic']);

interface PredictConfig {
  crop: boolean;
  minFace: number;
  maxFaces: number;
  draw: string | undefined;
  format: 'csv' | 'json';
  output: string | undefined;
  filesFrom: string | undefined;
  model: string;
  detector: string;
  batchSize: number;
  backend: string;
  paths: string[];
}

const USAGE = 'usage: npm run predict -- [--crop] [--min-face PX] [--max-faces N] [--draw DIR] [--format csv|json] [--output FILE] '
  + '[--files-from LIST] [--model model.json] [--detector model.json] [--batch-size N] [--backend wasm|cpu] PATH...';

function parseConfig(argv: string[]): PredictConfig {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      crop: { type: 'boolean', default: false },
      'min-face': { type: 'string', default: '0' },
      'max-faces': { type: 'string', default: '0' },
      draw: { type: 'string' },
      format: { type: 'string', default: 'csv' },
      output: { type: 'string' },
      'files-from': { type: 'string' },
      model: { type: 'string', default: 'public/models/agegender/model.json' },
      detector: { type: 'string', default: 'public/models/blazeface/blazeface-front.json' },
      'batch-size': { type: 'string', default: '32' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  if (values.format !== 'csv' && values.format !== 'json') throw new UsageError(`--format must be csv or json, not ${values.format}`);
  const count = (flag: string, min: number): number => {
    const n = Number(values[flag as keyof typeof values]);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer of at least ${min}`);
    return n;
  };
  const batchSize = count('batch-size', 1);
  const minFace = count('min-face', 0);
  const maxFaces = count('max-faces', 0);
  if (values.crop && (values.draw || minFace || maxFaces)) throw new UsageError('--min-face, --max-faces and --draw apply to face detection, not --crop');
  if (positionals.length === 0 && !values['files-from']) throw new UsageError('no PATH given');
  return { crop: values.crop!, minFace, maxFaces, draw: values.draw, format: values.format, output: values.output,
    filesFrom: values['files-from'], model: values.model!, detector: values.detector!, batchSize, backend: values.backend!,
    paths: positionals };
}

class UsageError extends Error {}

/** Files named directly are kept whatever their extension (so a wrong file gets an error row); folders are recursed for images. */
async function collectFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) {
      const entries = await readdir(path, { recursive: true, withFileTypes: true });
      files.push(...entries
        .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
        .map((e) => join(e.parentPath, e.name))
        .sort());
    } else {
      files.push(path);
    }
  }
  return files;
}

async function decode(path: string): Promise<{ img: RgbImage } | { error: string }> {
  return readImage(path).then((img) => ({ img }), (e: unknown) => ({
    error: e instanceof ImageReadError ? e.message : `cannot read: ${e instanceof Error ? e.message : String(e)}` }));
}

/** --crop: each image is one aligned face; batches of them go through the model together. */
async function predictChips(model: AgeGenderModel, paths: string[]): Promise<PredictionRow[]> {
  const decoded = await Promise.all(paths.map(decode));
  const ok = decoded.flatMap((d, i) => ('img' in d ? [{ i, img: d.img }] : []));
  const faces = ok.map(({ img }) => tf.tensor3d(img.data, [img.height, img.width, 3], 'int32'));
  try {
    const estimates = await model.estimate(faces);
    const rows: PredictionRow[] = decoded.map((d, i) => emptyRow(paths[i], 'error' in d ? d.error : null));
    ok.forEach(({ i, img }, k) => { rows[i] = chipRow(paths[i], img.width, img.height, estimates[k]); });
    return rows;
  } finally {
    tf.dispose(faces);
  }
}

/** Photos: every face found, one row each. */
async function predictPhoto(analyzer: FaceAnalyzer, path: string, cfg: PredictConfig): Promise<PredictionRow[]> {
  const decoded = await decode(path);
  if ('error' in decoded) return [emptyRow(path, decoded.error)];
  const { img } = decoded;
  const image = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
  try {
    const faces = await analyzer.analyze(image, { minFace: cfg.minFace, maxFaces: cfg.maxFaces });
    if (cfg.draw) await drawFaces(img, faces, path, cfg.draw);
    return photoRows(path, faces);
  } finally {
    image.dispose();
  }
}

async function main(): Promise<number> {
  const cfg = parseConfig(process.argv.slice(2));
  const listed = cfg.filesFrom ? (await readFile(cfg.filesFrom, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean) : [];
  const files = await collectFiles([...cfg.paths, ...listed]);
  const backend = await initBackend(cfg.backend);
  const analyzer = cfg.crop ? undefined : await FaceAnalyzer.load({ model: modelFromDisk(cfg.model), detector: modelFromDisk(cfg.detector) });
  const model = analyzer?.model ?? await AgeGenderModel.load(modelFromDisk(cfg.model));

  const progress = new SingleBar({ format: 'predicting [{bar}] {value}/{total} images | {eta_formatted} left',
    stream: process.stderr, noTTYOutput: true, notTTYSchedule: 10_000 });
  const showProgress = files.length > 1;
  if (showProgress) progress.start(files.length, 0);
  const rows: PredictionRow[] = [];
  const step = analyzer ? 1 : cfg.batchSize;
  for (let start = 0; start < files.length; start += step) {
    const batch = files.slice(start, start + step);
    rows.push(...(analyzer ? await predictPhoto(analyzer, batch[0], cfg) : await predictChips(model, batch)));
    if (showProgress) progress.update(start + batch.length);
  }
  if (showProgress) progress.stop();
  (analyzer ?? model).dispose();

  const text = cfg.format === 'csv'
    ? stringify(rows, { header: true, columns: [...CSV_COLUMNS] })
    : `${JSON.stringify(rows, null, 1)}\n`;
  if (cfg.output) await writeFile(cfg.output, text); else process.stdout.write(text);
  const failed = rows.filter((r) => r.error);
  for (const r of failed) console.error(`error: ${r.path}: ${r.error}`);
  if (files.length === 0) console.error('warning: no image files found');
  const found = analyzer ? `, ${rows.filter((r) => r.face !== null).length} faces found` : '';
  console.error(`${files.length - failed.length} of ${files.length} images predicted${found} (tfjs ${backend} backend)${cfg.output ? `, written to ${cfg.output}` : ''}`);
  return failed.length > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  if (e instanceof UsageError) console.error(USAGE);
  process.exit(2);
});
