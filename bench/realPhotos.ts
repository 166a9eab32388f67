// npm run bench:real-photos -- [--data ../shared/data/real-photos] [--model model.json] [--json FILE]
//                              [--predictions FILE] [--faces-dir DIR] [--fold K [--folds FILE]]
//
// The shipped artifact on real photos, through the CLI's photo pipeline (decode, BlazeFace, align,
// estimate; tfjs WASM), each photo's largest face: FG-NET's old scans (age error, bias, interval
// coverage and width per age band) and FairFace's wild photos (gender by gender and adult/child,
// the sure calls, age group). --predictions writes one row per photo (the estimate and the face's
// keypoints); --faces-dir saves each largest face as the model saw it (200x200 PNG), for training on
// real photos. --fold K reports only fold K of training/splits/real-photo-folds.json (FG-NET by
// person; FairFace by rank among the photos with a face), the part a model trained on the other folds
// never saw.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { SingleBar } from 'cli-progress';
import sharp from 'sharp';
import { type FaceAnalysis, FaceAnalyzer } from '../src/lib/analyze';
import { GENDER_UNCERTAIN } from '../src/lib/interval';
import { initBackend, modelFromDisk } from '../src/node/nodeRuntime';
import { toDecodedPhoto, readImage } from '../src/node/readImage';
import { type AgeMetrics, scanReport, wildReport } from './realPhotoMetrics';

interface BenchConfig {
  data: string;
  model: string;
  detector: string;
  json?: string;
  predictions?: string;
  facesDir?: string;
  fold?: number;
  folds: string;
}

function parseConfig(): BenchConfig {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: '../shared/data/real-photos' },
      model: { type: 'string', default: 'public/models/agegender/model.json' },
      detector: { type: 'string', default: 'public/models/blazeface/blazeface-front.json' },
      json: { type: 'string' },
      predictions: { type: 'string' },
      'faces-dir': { type: 'string' },
      fold: { type: 'string' },
      folds: { type: 'string', default: 'training/splits/real-photo-folds.json' },
    },
  });
  return {
    data: values.data!,
    model: values.model!,
    detector: values.detector!,
    json: values.json,
    predictions: values.predictions,
    facesDir: values['faces-dir'],
    fold: values.fold === undefined ? undefined : Number(values.fold),
    folds: values.folds!,
  };
}

interface RealPhotoFolds {
  folds: number;
  fgnet_person_fold: Record<string, number>;
}

/** Which photos fold `k` holds: FG-NET by person; FairFace by rank among the photos with a face (as real_faces.py folds them). */
function inFold(
  folds: RealPhotoFolds,
  k: number,
  fgnet: Record<string, string>[],
  fairfaceFound: boolean[],
): { fgnet: boolean[]; fairface: boolean[] } {
  let rank = 0;
  return {
    fgnet: fgnet.map((l) => folds.fgnet_person_fold[l.person] === k),
    fairface: fairfaceFound.map((found) => found && rank++ % folds.folds === k),
  };
}

const readLabels = (path: string): Record<string, string>[] =>
  parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];

/** Each photo's largest face, in the order given, with a progress bar. */
async function estimateLargestFaces(
  analyzer: FaceAnalyzer,
  paths: string[],
  facesDir: string | undefined,
  label: string,
): Promise<(FaceAnalysis | null)[]> {
  const progress = new SingleBar({
    format: `${label} [{bar}] {value}/{total} photos | {eta_formatted} left`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  });
  progress.start(paths.length, 0);
  const out: (FaceAnalysis | null)[] = [];
  for (const [i, path] of paths.entries()) {
    const photo = toDecodedPhoto(await readImage(path));
    let chip: Uint8Array | undefined;
    try {
      const faces = await analyzer.analyzePhoto(photo, { maxFaces: 1 }, async (aligned) => {
        if (facesDir && aligned.length)
          chip = new Uint8Array(await tf.tidy(() => aligned[0].clipByValue(0, 255).round().cast('int32')).data());
      });
      out.push(faces[0] ?? null);
    } finally {
      photo.pixels.dispose();
    }
    if (facesDir && chip) {
      await sharp(Buffer.from(chip), { raw: { width: 200, height: 200, channels: 3 } })
        .png()
        .toFile(join(facesDir, `${path.split('/').pop()}.png`));
    }
    progress.update(i + 1);
  }
  progress.stop();
  return out;
}

const pct = (x: number): string => x.toFixed(3);
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
const ageLine = (name: string, m: AgeMetrics): string =>
  `  ${name.padEnd(8)} n=${String(m.n).padStart(4)}  MAE ${m.mae.toFixed(2)}  bias ${signed(m.bias)}  coverage ${pct(m.coverage)}  ` +
  `width ${m.width.toFixed(1)}  read as old scan ${pct(m.readAsScan)}`;

async function main(): Promise<void> {
  const cfg = parseConfig();
  const backend = await initBackend('wasm');
  const analyzer = await FaceAnalyzer.load({ model: modelFromDisk(cfg.model), detector: modelFromDisk(cfg.detector) });
  const sets = { fgnet: join(cfg.data, 'fgnet-dev'), fairface: join(cfg.data, 'fairface-dev') };
  const labels = {
    fgnet: readLabels(join(sets.fgnet, 'labels.csv')),
    fairface: readLabels(join(sets.fairface, 'labels.csv')),
  };
  const estimates: Record<string, (FaceAnalysis | null)[]> = {};
  for (const name of ['fgnet', 'fairface'] as const) {
    const facesDir = cfg.facesDir && join(cfg.facesDir, name);
    if (facesDir) mkdirSync(facesDir, { recursive: true });
    estimates[name] = await estimateLargestFaces(
      analyzer,
      labels[name].map((l) => join(sets[name], 'images', l.file)),
      facesDir,
      name,
    );
  }
  const uncertain = analyzer.model.metadata.calibration.gender_uncertain ?? GENDER_UNCERTAIN;
  analyzer.dispose();

  const kept =
    cfg.fold === undefined
      ? null
      : inFold(
          JSON.parse(readFileSync(cfg.folds, 'utf8')) as RealPhotoFolds,
          cfg.fold,
          labels.fgnet,
          estimates.fairface.map((e) => e !== null),
        );
  const scans = scanReport(
    labels.fgnet
      .map((l, i) => ({ age: Number(l.age), estimate: estimates.fgnet[i] }))
      .filter((_, i) => !kept || kept.fgnet[i]),
  );
  const wild = wildReport(
    labels.fairface
      .map((l, i) => ({
        ageGroup: l.age_group,
        gender: l.gender as 'female' | 'male',
        estimate: estimates.fairface[i],
      }))
      .filter((_, i) => !kept || kept.fairface[i]),
    uncertain,
  );
  console.log(
    `${cfg.model} (tfjs ${backend}), largest face per photo${kept ? `, fold ${cfg.fold} of ${cfg.folds} only` : ''}`,
  );
  console.log(`Old scans (FG-NET dev): ${scans.photos} photos, face found ${pct(scans.faceFound)}`);
  console.log(ageLine('all', scans.overall));
  for (const [band, m] of Object.entries(scans.byAgeBand)) console.log(ageLine(band, m));
  console.log(`Wild photos (FairFace dev): ${wild.photos} photos, face found ${pct(wild.faceFound)}`);
  for (const [group, m] of Object.entries(wild.gender))
    console.log(`  gender ${group.padEnd(16)} n=${String(m.n).padStart(4)}  accuracy ${pct(m.accuracy)}`);
  console.log(
    `  sure calls (outside ${uncertain.join(' to ')}) ${pct(wild.sureShare)} of faces, right ${pct(wild.sureAccuracy)}; uncertain ${pct(1 - wild.sureShare)}`,
  );
  console.log(
    `  adult women read as men ${pct(wild.adultWomenReadAsMen)}; age group right ${pct(wild.ageGroupAccuracy)}`,
  );

  if (cfg.json)
    writeFileSync(cfg.json, `${JSON.stringify({ model: cfg.model, old_scans: scans, wild_photos: wild }, null, 1)}\n`);
  if (cfg.predictions) {
    const rows = (['fgnet', 'fairface'] as const).flatMap((name) =>
      labels[name].map((l, i) => {
        const e = estimates[name][i];
        return {
          set: name,
          file: l.file,
          person: l.person ?? '',
          age: l.age ?? '',
          age_group: l.age_group ?? '',
          gender: l.gender ?? '',
          est_age: e?.age ?? '',
          est_low: e?.ageLow ?? '',
          est_high: e?.ageHigh ?? '',
          female_probability: e?.femaleProbability ?? '',
          old_scan: e ? Number(e.oldScan) : '',
          // the face's six keypoints in the photo's pixels (x, y each), for studying errors by pose
          keypoints: e ? JSON.stringify(Object.values(e.keypoints).flat().map(Math.round)) : '',
        };
      }),
    );
    writeFileSync(cfg.predictions, stringify(rows, { header: true }));
  }
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
