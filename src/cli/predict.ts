// The CLI: age and gender for every face in image files, a row per face. Its usage, every option
// included, is usage.ts: `npm run predict -- --help` (`npx agegender --help` from the package) prints it.
// Rows are written as each image is done, in the order of the input (predictionOutput.ts); --jobs N
// predicts in N worker threads (predictorPool.ts), each with an ImagePredictor (imagePredictor.ts).
import { mkdir, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { packagedModel } from '../node/packagedModels';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { DEFAULT_MODEL, modelFile } from '../lib/modelRegistry';
import type { PredictionRow } from '../lib/predictionRow';
import { ImagePredictor, type PredictorConfig } from './imagePredictor';
import { PredictorPool } from './predictorPool';
import { OUTPUT_FORMATS, type OutputFormat, PredictionOutput } from './predictionOutput';
import { helpText, PACKAGE_COMMAND, REPOSITORY_COMMAND, synopsis } from './usage';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.avif', '.heic']);

interface PredictConfig extends PredictorConfig {
  format: OutputFormat;
  output: string | undefined;
  resume: boolean;
  /** [K, N]: every N-th image from the K-th. */
  shard: [number, number];
  filesFrom: string | undefined;
  batchSize: number;
  /** Worker threads, each with its own backend and models; 1: none, all in this thread. */
  jobs: number;
  paths: string[];
}

// Started from its TypeScript source in the repository (npm run predict), or as the package's bundled bin.
const COMMAND = import.meta.url.endsWith('.ts') ? REPOSITORY_COMMAND : PACKAGE_COMMAND;

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
      model: { type: 'string', default: packagedModel(modelFile(DEFAULT_MODEL)) },
      detector: { type: 'string', default: packagedModel(modelFile('detector')) },
      'batch-size': { type: 'string', default: '32' },
      jobs: { type: 'string', default: String(availableParallelism()) },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(helpText(COMMAND));
    process.exit(0);
  }
  const format = values.format as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, not ${values.format}`);
  if (values.resume && (!values.output || format === 'json'))
    throw new UsageError('--resume needs --output FILE and --format csv or jsonl');
  const shard = /^(\d+)\/(\d+)$/.exec(values.shard!)?.slice(1).map(Number);
  if (!shard || shard[1] < 1 || shard[0] >= shard[1])
    throw new UsageError(`--shard must be K/N with 0 <= K < N, not ${values.shard}`);
  const count = (flag: string, min: number): number => {
    const n = Number(values[flag as keyof typeof values]);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer of at least ${min}`);
    return n;
  };
  const batchSize = count('batch-size', 1);
  const jobs = count('jobs', 1);
  const minFace = count('min-face', 0);
  const maxFaces = count('max-faces', 0);
  if (values.crop && (values.draw || minFace || maxFaces))
    throw new UsageError('--min-face, --max-faces and --draw apply to face detection, not --crop');
  if (positionals.length === 0 && !values['files-from']) throw new UsageError('no PATH given');
  return {
    crop: values.crop!,
    minFace,
    maxFaces,
    draw: values.draw,
    format,
    output: values.output,
    resume: values.resume!,
    shard: [shard[0], shard[1]],
    filesFrom: values['files-from'],
    model: values.model!,
    detector: values.detector!,
    batchSize,
    jobs,
    backend: values.backend!,
    paths: positionals,
  };
}

class UsageError extends Error {}

/** Files named directly are kept whatever their extension (so a wrong file gets an error row); folders are recursed for images. */
async function collectFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    files.push(...(info?.isDirectory() ? (await imagesUnder(path, new Set())).sort() : [path]));
  }
  return files;
}

/** The image files under a folder, following symbolic links to files and folders; a folder met again (a link loop) is walked once. */
async function imagesUnder(folder: string, walked: Set<string>): Promise<string[]> {
  const real = await realpath(folder);
  if (walked.has(real)) return [];
  walked.add(real);
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    const info = entry.isSymbolicLink() ? await stat(path).catch(() => null) : entry; // a broken link is skipped
    if (info?.isDirectory()) found.push(...(await imagesUnder(path, walked)));
    else if (info?.isFile() && IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) found.push(path);
  }
  return found;
}

/** `word` as the shell reads it back: quoted when it holds anything but plain path characters. */
const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

async function main(): Promise<number> {
  const cfg = parseConfig(process.argv.slice(2));
  // a --draw folder that cannot be made stops the run before any output, not with an error row for each photo
  if (cfg.draw)
    await mkdir(cfg.draw, { recursive: true }).catch((e: unknown) => {
      throw new Error(`--draw ${cfg.draw}: ${e instanceof Error ? e.message : String(e)}`);
    });
  const listed = cfg.filesFrom
    ? (await readFile(cfg.filesFrom, 'utf8'))
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    : [];
  const [k, n] = cfg.shard;
  const files = (await collectFiles([...cfg.paths, ...listed])).filter((_, i) => i % n === k);
  const { output, done } = PredictionOutput.open(cfg.output, cfg.format, cfg.resume);
  const todo = files.filter((f) => !done.has(f));
  if (cfg.resume)
    console.error(`resuming: ${files.length - todo.length} of ${files.length} images already in ${cfg.output}`);
  const step = cfg.crop ? cfg.batchSize : 1;
  const batches = Array.from({ length: Math.ceil(todo.length / step) }, (_, b) => todo.slice(b * step, (b + 1) * step));
  const jobs = Math.max(1, Math.min(cfg.jobs, batches.length));
  const predictor = jobs > 1 ? await PredictorPool.load(cfg, jobs) : await ImagePredictor.load(cfg);

  // Ctrl-C: finish the images in hand, then stop with the rows so far written. (npm and tsx pass the
  // signal on, so it arrives more than once: each just asks for the same stop.)
  let interrupted = false;
  process.on('SIGINT', () => {
    interrupted = true;
  });
  const progress = new SingleBar({
    format: 'predicting [{bar}] {value}/{total} images | {eta_formatted} left',
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  });
  const showProgress = todo.length > 1;
  if (showProgress) progress.start(todo.length, 0);
  let [images, failed, faces] = [0, 0, 0];
  // Up to `jobs` batches in flight; rows are written in the order of the input.
  const inFlight = new Map<number, Promise<PredictionRow[]>>();
  let next = 0;
  for (let b = 0; b < batches.length; b++) {
    while (!interrupted && next < batches.length && next < b + jobs)
      inFlight.set(next, predictor.predict(batches[next++]));
    if (b >= next) break;
    const rows = await inFlight.get(b)!;
    inFlight.delete(b);
    output.write(rows);
    const errors = rows.filter((row) => row.error);
    for (const r of errors) console.error(`${showProgress ? '\n' : ''}error: ${r.path}: ${r.error}`);
    images += batches[b].length;
    failed += errors.length;
    faces += rows.filter((r) => r.face !== null).length;
    if (showProgress) progress.update(images);
  }
  if (showProgress) progress.stop();
  output.close();
  await predictor.dispose();
  const backend = jobs > 1 ? `${predictor.backend} backend, ${jobs} worker threads` : `${predictor.backend} backend`;

  if (files.length === 0) console.error('warning: no image files found');
  const found = cfg.crop ? '' : `, ${faces} faces found`;
  const where = cfg.output ? `, written to ${cfg.output}` : '';
  console.error(`${images - failed} of ${images} images predicted${found} (tfjs ${backend})${where}`);
  if (interrupted) {
    const again = process.argv.slice(2).filter((a) => a !== '--resume');
    console.error(
      `stopped after ${done.size + images} of ${files.length} images; to go on: ${COMMAND} ${[...again, '--resume'].map(shellWord).join(' ')}` +
        (cfg.output && cfg.format !== 'json' ? '' : ' (with --output FILE and --format csv or jsonl, next time)'),
    );
    return 130;
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    if (e instanceof UsageError) console.error(`${synopsis(COMMAND)}\n(--help for every option)`);
    process.exit(2);
  },
);
