// npm run predict -- [--crop] [--format csv|json] [--output FILE] [--files-from LIST] [--model model.json] PATH...
//
// One row per face: path,face,left,top,width,height,score,age,age_low,age_high,gender,female_probability,error.
// Until face detection exists every image is read as one aligned face (--crop): face 0, the whole
// image as its box, no detection score. A file that cannot be read gets a row with `error` and the
// run goes on; the exit status is 1 if any file failed.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { SingleBar } from 'cli-progress';
import { stringify } from 'csv-stringify/sync';
import { type AgeGenderEstimate, AgeGenderModel } from '../lib/model';
import { CSV_COLUMNS, type PredictionRow } from '../lib/predictionRow';
import { initBackend, modelFromDisk } from './nodeRuntime';
import { ImageReadError, readImage } from './readImage';


const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.avif', '.heic']);

interface PredictConfig {
  crop: boolean;
  format: 'csv' | 'json';
  output: string | undefined;
  filesFrom: string | undefined;
  model: string;
  batchSize: number;
  backend: string;
  paths: string[];
}

const USAGE = 'usage: npm run predict -- [--crop] [--format csv|json] [--output FILE] [--files-from LIST] [--model model.json] [--batch-size N] PATH...';

function parseConfig(argv: string[]): PredictConfig {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      crop: { type: 'boolean', default: false },
      format: { type: 'string', default: 'csv' },
      output: { type: 'string' },
      'files-from': { type: 'string' },
      model: { type: 'string', default: 'public/models/agegender/model.json' },
      'batch-size': { type: 'string', default: '32' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  if (values.format !== 'csv' && values.format !== 'json') throw new UsageError(`--format must be csv or json, not ${values.format}`);
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch-size must be a positive integer');
  if (positionals.length === 0 && !values['files-from']) throw new UsageError('no PATH given');
  return { crop: values.crop!, format: values.format, output: values.output, filesFrom: values['files-from'],
    model: values.model!, batchSize, backend: values.backend!, paths: positionals };
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

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

function faceRow(path: string, width: number, height: number, e: AgeGenderEstimate): PredictionRow {
  return { path, face: 0, left: 0, top: 0, width, height, score: null, age: round(e.age, 1), age_low: round(e.ageLow, 1),
    age_high: round(e.ageHigh, 1), gender: e.gender, female_probability: round(e.femaleProbability, 4), error: null };
}

function errorRow(path: string, error: string): PredictionRow {
  return Object.fromEntries(CSV_COLUMNS.map((c) => [c, c === 'path' ? path : c === 'error' ? error : null])) as PredictionRow;
}

async function predictBatch(model: AgeGenderModel, paths: string[]): Promise<PredictionRow[]> {
  const decoded = await Promise.all(paths.map((p) => readImage(p).then((img) => ({ img }), (e: unknown) => ({
    error: e instanceof ImageReadError ? e.message : `cannot read: ${e instanceof Error ? e.message : String(e)}` }))));
  const ok = decoded.flatMap((d, i) => ('img' in d ? [{ i, img: d.img }] : []));
  const faces = ok.map(({ img }) => tf.tensor3d(img.data, [img.height, img.width, 3], 'int32'));
  try {
    const estimates = await model.estimate(faces);
    const rows: PredictionRow[] = decoded.map((d, i) => errorRow(paths[i], 'error' in d ? d.error : ''));
    ok.forEach(({ i, img }, k) => { rows[i] = faceRow(paths[i], img.width, img.height, estimates[k]); });
    return rows;
  } finally {
    tf.dispose(faces);
  }
}

async function main(): Promise<number> {
  const cfg = parseConfig(process.argv.slice(2));
  const listed = cfg.filesFrom ? (await readFile(cfg.filesFrom, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean) : [];
  const files = await collectFiles([...cfg.paths, ...listed]);
  const backend = await initBackend(cfg.backend);
  const model = await AgeGenderModel.load(modelFromDisk(cfg.model));

  const progress = new SingleBar({ format: 'predicting [{bar}] {value}/{total} images | {eta_formatted} left',
    stream: process.stderr, noTTYOutput: true, notTTYSchedule: 10_000 });
  const showProgress = files.length > 1;
  if (showProgress) progress.start(files.length, 0);
  const rows: PredictionRow[] = [];
  for (let start = 0; start < files.length; start += cfg.batchSize) {
    rows.push(...await predictBatch(model, files.slice(start, start + cfg.batchSize)));
    if (showProgress) progress.update(Math.min(start + cfg.batchSize, files.length));
  }
  if (showProgress) progress.stop();
  model.dispose();

  const text = cfg.format === 'csv'
    ? stringify(rows, { header: true, columns: [...CSV_COLUMNS] })
    : `${JSON.stringify(rows, null, 1)}\n`;
  if (cfg.output) await writeFile(cfg.output, text); else process.stdout.write(text);
  const failed = rows.filter((r) => r.error);
  for (const r of failed) console.error(`error: ${r.path}: ${r.error}`);
  if (files.length === 0) console.error('warning: no image files found');
  console.error(`${files.length - failed.length} of ${files.length} images predicted (tfjs ${backend} backend)${cfg.output ? `, written to ${cfg.output}` : ''}`);
  return failed.length > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  if (e instanceof UsageError) console.error(USAGE);
  process.exit(2);
});
