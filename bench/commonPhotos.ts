// npm run bench:common-photos -- OURS.csv THEIRS.csv
//
// Two models on the same real photos, like for like: each set's photos where both found a face. The files are two
// bench:real-photos --predictions runs on the same part, e.g. ours and face-api.js's:
//   npm run bench:real-photos -- --part test --predictions ours.csv
//   npm run bench:real-photos -- --part test --face-api --predictions theirs.csv
// A detector that misses the hard photos is otherwise judged on the easy ones only.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { REAL_SETS, type RealSetName } from '../training/faces/realSets';
import { commonPhotosReport, type PredictionRow } from './realPhotoMetrics';

const COLUMNS = ['set', 'file', 'age', 'age_group', 'gender', 'est_age', 'female_probability'];

function readPredictions(path: string): PredictionRow[] {
  const rows = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as PredictionRow[];
  const missing = COLUMNS.filter((c) => !rows.length || !(c in rows[0]));
  if (missing.length)
    throw new Error(`${path} is not a --predictions file of bench:real-photos (no ${missing.join(', ')})`);
  return rows;
}

function main(): void {
  const { positionals } = parseArgs({ allowPositionals: true });
  if (positionals.length !== 2) throw new Error('give two --predictions files of bench:real-photos: ours, then theirs');
  const [ours, theirs] = positionals.map(readPredictions);
  const kindOf = (set: string) => {
    if (!(set in REAL_SETS)) throw new Error(`unknown set ${set} (known: ${Object.keys(REAL_SETS).join(', ')})`);
    return REAL_SETS[set as RealSetName].kind;
  };
  const pair = (xs: [number, number], digits: number): string => xs.map((x) => x.toFixed(digits)).join(' vs ');
  console.log(`${positionals[0]} vs ${positionals[1]}, on the photos where both found a face:`);
  for (const [set, r] of Object.entries(commonPhotosReport(ours, theirs, kindOf))) {
    const parts = [
      r.genderAccuracy && `gender right ${pair(r.genderAccuracy, 3)}`,
      r.ageGroupAccuracy && `age group right ${pair(r.ageGroupAccuracy, 3)}`,
      r.ageMae && `age MAE ${pair(r.ageMae, 2)}`,
    ].filter(Boolean);
    console.log(`  ${set} (${r.photos} of ${r.of} photos): ${parts.join('; ')}`);
  }
}

try {
  main();
} catch (e: unknown) {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
