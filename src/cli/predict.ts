// npm run predict -- [--crop] [--min-face PX] [--max-faces N] [--draw DIR] [--format csv|jsonl|json] [--output FILE]
//                     [--resume] [--shard K/N] [--files-from LIST] [--model model.json] [--detector model.json] PATH...
//
// One row per face: path,face,left,top,width,height,score,age,age_low,age_high,gender,female_probability,error.
// Faces are found with BlazeFace, aligned like the training chips and estimated, largest first; an
// image with no face gets one row with empty face fields. --crop reads each image as one aligned
// face instead (face 0, the whole image as its box, no detection score). A file that cannot be read
// gets a row with `error` and the run goes on; the exit status is 1 if any file failed.
// Rows are written as each image is done, in the order of the input; --resume (with --output, csv or
// jsonl) skips the images an earlier run already wrote and appends; Ctrl-C stops after the current
// image. --shard K/N takes every N-th image from the K-th (0-based), to split an archive across machines.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { SingleBar } from 'cli-progress';
import { FaceAnalyzer } from '../lib/analyze';
import { AgeGenderModel } from '../lib/model';
import { chipRow, emptyRow, photoRows, type PredictionRow } from '../lib/predictionRow';
import { initBackend, modelFromDisk } from './nodeRuntime';
import { drawFaces } from './drawFaces';
import { ImageReadError, type RgbImage, readImage } from './readImage';
import { OUTPUT_FORMATS, type OutputFormat, PredictionOutput } from './predictionOutput';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.avif', '.heic']);

interface PredictConfig {
  crop: boolean;
  minFace: number;
  maxFaces: number;
  draw: string | undefined;
  format: OutputFormat;
  output: string | undefined;
  resume: boolean;
  /** [K, N]: every N-th image from the K-th. */
  shard: [number, number];
  filesFrom: string | undefined;
  model: string;
  detector: string;
  batchSize: number;
  backend: string;
  paths: string[];
}

const USAGE = 'usage: npm run predict -- [--crop] [--min-face PX] [--max-faces N] [--draw DIR] [--format csv|jsonl|json] [--output FILE] '
  + '[--resume] [--shard K/N] [--files-from LIST] [--model model.json] [--detector model.json] [--batch-size N] [--backend wasm|cpu] PATH...';

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
      resume: { type: 'boolean', default: false },
      shard: { type: 'string', default: '0/1' },
      'files-from': { type: 'string' },
      model: { type: 'string', default: 'public/models/agegender/model.json' },
      detector: { type: 'string', default: 'public/models/blazeface/blazeface-front.json' },
      'batch-size': { type: 'string', default: '32' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  const format = values.format as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, not ${values.format}`);
  if (values.resume && (!values.output || format === 'json')) throw new UsageError('--resume needs --output FILE and --format csv or jsonl');
  const shard = /^(\d+)\/(\d+)$/.exec(values.shard!)?.slice(1).map(Number);
  if (!shard || shard[1] < 1 || shard[0] >= shard[1]) throw new UsageError(`--shard must be K/N with 0 <= K < N, not ${values.shard}`);
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
  return { crop: values.crop!, minFace, maxFaces, draw: values.draw, format, output: values.output, resume: values.resume!,
    shard: [shard[0], shard[1]],
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
  const [k, n] = cfg.shard;
  const files = (await collectFiles([...cfg.paths, ...listed])).filter((_, i) => i % n === k);
  const { output, done } = PredictionOutput.open(cfg.output, cfg.format, cfg.resume);
  const todo = files.filter((f) => !done.has(f));
  if (cfg.resume) console.error(`resuming: ${files.length - todo.length} of ${files.length} images already in ${cfg.output}`);
  const backend = await initBackend(cfg.backend);
  const analyzer = cfg.crop ? undefined : await FaceAnalyzer.load({ model: modelFromDisk(cfg.model), detector: modelFromDisk(cfg.detector) });
  const model = analyzer?.model ?? await AgeGenderModel.load(modelFromDisk(cfg.model));

  // Ctrl-C: finish the image in hand, then stop with the rows so far written. (npm and tsx pass the
  // signal on, so it arrives more than once: each just asks for the same stop.)
  let interrupted = false;
  process.on('SIGINT', () => { interrupted = true; });
  const progress = new SingleBar({ format: 'predicting [{bar}] {value}/{total} images | {eta_formatted} left',
    stream: process.stderr, noTTYOutput: true, notTTYSchedule: 10_000 });
  const showProgress = todo.length > 1;
  if (showProgress) progress.start(todo.length, 0);
  let [images, failed, faces] = [0, 0, 0];
  const step = analyzer ? 1 : cfg.batchSize;
  for (let start = 0; start < todo.length && !interrupted; start += step) {
    const batch = todo.slice(start, start + step);
    const rows = analyzer ? await predictPhoto(analyzer, batch[0], cfg) : await predictChips(model, batch);
    output.write(rows);
    for (const r of rows.filter((row) => row.error)) console.error(`${showProgress ? '\n' : ''}error: ${r.path}: ${r.error}`);
    images += batch.length;
    failed += rows.filter((r) => r.error).length;
    faces += rows.filter((r) => r.face !== null).length;
    if (showProgress) progress.update(images);
  }
  if (showProgress) progress.stop();
  output.close();
  (analyzer ?? model).dispose();

  if (files.length === 0) console.error('warning: no image files found');
  const found = analyzer ? `, ${faces} faces found` : '';
  const where = cfg.output ? `, written to ${cfg.output}` : '';
  console.error(`${images - failed} of ${images} images predicted${found} (tfjs ${backend} backend)${where}`);
  if (interrupted) {
    const again = process.argv.slice(2).filter((a) => a !== '--resume');
    console.error(`stopped after ${done.size + images} of ${files.length} images; to go on: npm run predict -- ${[...again, '--resume'].join(' ')}`
      + (cfg.output && cfg.format !== 'json' ? '' : ' (with --output FILE and --format csv or jsonl, next time)'));
    return 130;
  }
  return failed > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  if (e instanceof UsageError) console.error(USAGE);
  process.exit(2);
});
