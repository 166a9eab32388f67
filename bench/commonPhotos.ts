// npm run bench:common-photos -- OURS.csv THEIRS.csv
//
// Two models on the same real photos, like for like: each set's photos where both found a face, from two
// `npm run bench:real-photos -- --part test --predictions FILE` runs (ours, and face-api.js's with --face-api).
// A detector that misses the hard photos is otherwise judged on the easy ones only.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { onCommonPhotos, type PredictionRow } from './realPhotoMetrics';

function main(): void {
  const { positionals } = parseArgs({ allowPositionals: true });
  if (positionals.length !== 2) throw new Error('give two --predictions files of bench:real-photos: ours, then theirs');
  const [first, second] = positionals.map(
    (path) => parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as PredictionRow[],
  );
  const pair = (xs: [number, number], digits: number): string => xs.map((x) => x.toFixed(digits)).join(' vs ');
  console.log(`${positionals[0]} vs ${positionals[1]}, on the photos where both found a face:`);
  for (const [set, r] of Object.entries(onCommonPhotos(first, second))) {
    const parts = [
      r.gender && `gender right ${pair(r.gender, 3)}`,
      r.ageGroup && `age group right ${pair(r.ageGroup, 3)}`,
      r.mae && `age MAE ${pair(r.mae, 2)}`,
    ].filter(Boolean);
    console.log(`  ${set} (${r.photos} photos): ${parts.join('; ')}`);
  }
}

try {
  main();
} catch (e: unknown) {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
