// npm run bench:real-photos -- [--data ../shared/data] [--model model.json] [--detector blazeface.json]
//                              [--json FILE] [--predictions FILE] [--part test|val|train [--split FILE]]
//                              [--face-api]
//
// The shipped artifact on real photos, through the CLI's photo pipeline (decode, BlazeFace, align,
// estimate; tfjs WASM), each photo's largest face: FG-NET's old scans (age error, bias, interval
// coverage and width per age band), FairFace's wild photos (gender by gender, adult/child and ethnic
// group, the sure calls, age group) and All-Age-Faces' everyday photos (age per band, gender).
// Without --part, the two dev sets in full (fgnet-dev, fairface-dev). --part test reports the test
// parts of training/splits/real-photos.json of all four sets (real_data.py: FG-NET by person), the
// photos no model was trained or tuned on. --predictions writes one row per photo (the estimate and
// the face's keypoints). --face-api runs face-api.js's own pipeline instead (SSD MobileNet v1,
// landmarks, ageGenderNet: no interval, band or old-scan flag; --model and --detector unused), to put it
// beside us on the same photos; --json records the split and part, which the cards check.
// `npm run cut:faces` cuts the faces for training.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { SingleBar } from 'cli-progress';
import { type FaceAnalysis, FaceAnalyzer } from '../src/lib/analyze';
import { type DecodedPhoto, ImageReadError } from '../src/lib/imageSize';
import { GENDER_UNCERTAIN } from '../src/lib/interval';
import { initBackend, modelFromDisk } from '../src/node/nodeRuntime';
import { toDecodedPhoto, readImage } from '../src/node/readImage';
import { REAL_SETS, type RealSetName } from '../training/faces/realSets';
import { loadFaceApi } from './faceApi';
import { type AgeMetrics, type PhotoEstimate, everydayReport, scanReport, wildReport } from './realPhotoMetrics';

/** The labelled sets, and the key of each one's report in --json. */
const SETS = REAL_SETS;
type SetName = RealSetName;
const REPORT_KEY: Record<SetName, string> = {
  'fgnet-dev': 'old_scans',
  'fairface-dev': 'wild_photos',
  fairface: 'fairface',
  'all-age-faces': 'everyday_photos',
};
const DEV_SETS: SetName[] = ['fgnet-dev', 'fairface-dev'];

interface BenchConfig {
  data: string;
  model: string;
  detector: string;
  json?: string;
  predictions?: string;
  part?: string;
  split: string;
  faceApi: boolean;
}

function parseConfig(): BenchConfig {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: '../shared/data' },
      model: { type: 'string', default: 'public/models/agegender/model.json' },
      detector: { type: 'string', default: 'public/models/blazeface/blazeface-front.json' },
      json: { type: 'string' },
      predictions: { type: 'string' },
      part: { type: 'string' },
      split: { type: 'string', default: 'training/splits/real-photos.json' },
      'face-api': { type: 'boolean', default: false },
    },
  });
  return {
    data: values.data!,
    model: values.model!,
    detector: values.detector!,
    json: values.json,
    predictions: values.predictions,
    part: values.part,
    split: values.split!,
    faceApi: values['face-api']!,
  };
}

type Labels = Record<string, string>;
const readLabels = (path: string): Labels[] =>
  parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as Labels[];

/** Each set's labelled photos to run: all of a dev set without --part, else the set's part (none: skipped). */
function photosToRun(cfg: BenchConfig): [SetName, Labels[]][] {
  const split =
    cfg.part === undefined
      ? null
      : (JSON.parse(readFileSync(cfg.split, 'utf8')) as { sets: Record<string, Record<string, string[]>> }).sets;
  const names = split ? (Object.keys(SETS) as SetName[]) : DEV_SETS;
  return names.flatMap((name): [SetName, Labels[]][] => {
    const labels = readLabels(join(cfg.data, SETS[name].folder, 'labels.csv'));
    if (!split) return [[name, labels]];
    const files = new Set(split[name]?.[cfg.part!] ?? []);
    const kept = labels.filter((l) => files.has(l.file));
    return kept.length ? [[name, kept]] : [];
  });
}

/** A photo's largest face as the model measured gives it (the keypoints where it finds them), or null. */
type PhotoRow = PhotoEstimate & { keypoints?: FaceAnalysis['keypoints'] };
type LargestFace = (photo: DecodedPhoto) => Promise<PhotoRow | null>;

/** The model measured: ours through the CLI's pipeline with its gender "uncertain" band, or face-api.js's (no
 * interval, no band, no scan flag). */
async function loadLargestFace(cfg: BenchConfig): Promise<{
  name: string;
  largestFace: LargestFace;
  uncertain: readonly [number, number] | null;
  done: () => void;
}> {
  if (cfg.faceApi) {
    const faceApi = await loadFaceApi();
    const largestFace: LargestFace = async (photo) => {
      const faces = await faceApi(photo.pixels);
      if (!faces.length) return null;
      const area = (f: (typeof faces)[number]): number => f.box.width * f.box.height;
      const { age, femaleProbability } = faces.reduce((a, b) => (area(b) > area(a) ? b : a));
      return { age, ageLow: NaN, ageHigh: NaN, femaleProbability, oldScan: null };
    };
    return {
      name: 'face-api.js (SSD MobileNet v1, 68 landmarks, ageGenderNet)',
      largestFace,
      uncertain: null,
      done() {},
    };
  }
  const analyzer = await FaceAnalyzer.load({ model: modelFromDisk(cfg.model), detector: modelFromDisk(cfg.detector) });
  return {
    name: cfg.model,
    largestFace: async (photo) => (await analyzer.analyzePhoto(photo, { maxFaces: 1 }))[0] ?? null,
    uncertain: analyzer.model.metadata.calibration.gender_uncertain ?? GENDER_UNCERTAIN,
    done: () => analyzer.dispose(),
  };
}

/** Each photo's largest face, in the order given, with a progress bar. */
async function estimateLargestFaces(
  largestFace: LargestFace,
  paths: string[],
  label: string,
): Promise<(PhotoRow | null)[]> {
  const progress = new SingleBar({
    format: `${label} [{bar}] {value}/{total} photos | {eta_formatted} left`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  });
  progress.start(paths.length, 0);
  const out: (PhotoRow | null)[] = [];
  for (const [i, path] of paths.entries()) {
    let photo;
    try {
      photo = toDecodedPhoto(await readImage(path));
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw e;
      out.push(null); // scored as a photo where no face was found
      progress.update(i + 1);
      continue;
    }
    try {
      out.push(await largestFace(photo));
    } finally {
      photo.pixels.dispose();
    }
    progress.update(i + 1);
  }
  progress.stop();
  return out;
}

const pct = (x: number): string => x.toFixed(3);
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
// What a model lacks (face-api.js: interval, scan flag) is NaN, and left out of its lines.
const scanShare = (x: number): string => (Number.isNaN(x) ? '' : `  read as old scan ${pct(x)}`);
const ageLine = (name: string, m: AgeMetrics): string =>
  `  ${name.padEnd(8)} n=${String(m.n).padStart(4)}  MAE ${m.mae.toFixed(2)}  bias ${signed(m.bias)}` +
  (Number.isNaN(m.width) ? '' : `  coverage ${pct(m.coverage)}  width ${m.width.toFixed(1)}`) +
  scanShare(m.readAsScan);
const genderLine = (name: string, m: { n: number; accuracy: number }): string =>
  `  gender ${name.padEnd(16)} n=${String(m.n).padStart(4)}  accuracy ${pct(m.accuracy)}`;

/** One set's report, printed, in the terms of its kind. */
function report(
  name: SetName,
  labels: Labels[],
  estimates: (PhotoRow | null)[],
  uncertain: readonly [number, number] | null,
): object {
  const { kind } = SETS[name];
  const rows = labels.map((l, i) => ({ l, estimate: estimates[i] }));
  if (kind === 'scans') {
    const r = scanReport(rows.map(({ l, estimate }) => ({ age: Number(l.age), estimate })));
    console.log(`Old scans (${name}): ${r.photos} photos, face found ${pct(r.faceFound)}`);
    console.log(ageLine('all', r.overall));
    for (const [band, m] of Object.entries(r.byAgeBand)) console.log(ageLine(band, m));
    return r;
  }
  const gender = (l: Labels): 'female' | 'male' => l.gender as 'female' | 'male';
  if (kind === 'everyday') {
    const r = everydayReport(rows.map(({ l, estimate }) => ({ age: Number(l.age), gender: gender(l), estimate })));
    console.log(`Everyday photos (${name}): ${r.photos} photos, face found ${pct(r.faceFound)}`);
    console.log(ageLine('all', r.overall));
    for (const [band, m] of Object.entries(r.byAgeBand)) console.log(ageLine(band, m));
    for (const [group, m] of Object.entries(r.gender)) console.log(genderLine(group, m));
    console.log(`  gender, a photo with no face found counted wrong: ${pct(r.genderWithMisses)}`);
    return r;
  }
  const r = wildReport(
    rows.map(({ l, estimate }) => ({ ageGroup: l.age_group, gender: gender(l), race: l.race, estimate })),
    uncertain,
  );
  console.log(`Wild photos (${name}): ${r.photos} photos, face found ${pct(r.faceFound)}`);
  for (const [group, m] of Object.entries(r.gender)) console.log(genderLine(group, m));
  console.log(`  gender, a photo with no face found counted wrong: ${pct(r.genderWithMisses)}`);
  for (const [race, m] of Object.entries(r.genderByRace)) console.log(genderLine(race, m));
  if (uncertain)
    console.log(
      `  sure calls (outside ${uncertain.join(' to ')}) ${pct(r.sureShare)} of faces, right ${pct(r.sureAccuracy)}; uncertain ${pct(1 - r.sureShare)}`,
    );
  console.log(
    `  adult women read as men ${pct(r.adultWomenReadAsMen)}; age group right ${pct(r.ageGroupAccuracy)}` +
      scanShare(r.readAsScan),
  );
  return r;
}

async function main(): Promise<void> {
  const cfg = parseConfig();
  const backend = await initBackend('wasm');
  const { name: measured, largestFace, uncertain, done } = await loadLargestFace(cfg);
  const runs = photosToRun(cfg);
  const estimates: (PhotoRow | null)[][] = [];
  for (const [name, labels] of runs) {
    const images = join(cfg.data, SETS[name].folder, SETS[name].images);
    estimates.push(
      await estimateLargestFaces(
        largestFace,
        labels.map((l) => join(images, l.file)),
        name,
      ),
    );
  }
  done();

  console.log(
    `${measured} (tfjs ${backend}), largest face per photo${cfg.part ? `, the ${cfg.part} parts of ${cfg.split}` : ''}`,
  );
  const reports = Object.fromEntries(
    runs.map(([name, labels], i) => [REPORT_KEY[name], report(name, labels, estimates[i], uncertain)]),
  );
  if (cfg.json)
    writeFileSync(
      cfg.json,
      `${JSON.stringify({ model: measured, split: cfg.split, part: cfg.part ?? null, uncertain_band: uncertain, ...reports }, null, 1)}\n`,
    );
  if (cfg.predictions) {
    const rows = runs.flatMap(([name, labels], s) =>
      labels.map((l, i) => {
        const e = estimates[s][i];
        return {
          set: name,
          file: l.file,
          person: l.person ?? '',
          age: l.age ?? '',
          age_group: l.age_group ?? '',
          gender: l.gender ?? '',
          race: l.race ?? '',
          est_age: e?.age ?? '',
          est_low: e && !Number.isNaN(e.ageLow) ? e.ageLow : '',
          est_high: e && !Number.isNaN(e.ageHigh) ? e.ageHigh : '',
          female_probability: e?.femaleProbability ?? '',
          old_scan: e && e.oldScan !== null ? Number(e.oldScan) : '',
          // the face's six keypoints in the photo's pixels (x, y each), for studying errors by pose
          keypoints: e?.keypoints ? JSON.stringify(Object.values(e.keypoints).flat().map(Math.round)) : '',
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
