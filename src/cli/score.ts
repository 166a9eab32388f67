// npm run score -- PREDICTIONS.csv [--json]
// Score `npm run predict` output against the labels in UTKFace file names: age MAE, RMSE, CS@5,
// interval coverage and width, gender accuracy and calibration error, overall and per group.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { evaluationReport, type GroupMetrics, type ScoredFace } from '../lib/metrics';
import { unescapeFormula } from '../lib/predictionRow';
import { parseUtkFaceName } from '../lib/utkface';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean', default: false } },
});
if (positionals.length !== 1) {
  console.error('usage: npm run score -- PREDICTIONS.csv [--json]');
  process.exit(2);
}
const rows = parse(readFileSync(positionals[0], 'utf8'), { columns: true, skip_empty_lines: true }) as Record<
  string,
  string
>[];
const faces: ScoredFace[] = [];
let skipped = 0;
for (const row of rows) {
  const truth = parseUtkFaceName(unescapeFormula(row.path)); // as npm run predict escaped it against formulas
  if (truth instanceof Error || row.error || row.age === '' || row.face !== '1') {
    skipped += 1;
    continue;
  }
  faces.push({
    truth,
    age: Number(row.age),
    ageLow: Number(row.age_low),
    ageHigh: Number(row.age_high),
    femaleProbability: Number(row.female_probability),
  });
}
const report = evaluationReport(faces);
if (values.json) {
  console.log(JSON.stringify(report, null, 1));
} else {
  const line = (name: string, m: GroupMetrics): string =>
    `${name.padEnd(10)} n=${String(m.n).padStart(5)}  MAE ${m.age_mae.toFixed(2)}  bias ${m.age_bias >= 0 ? '+' : ''}${m.age_bias.toFixed(2)}  RMSE ${m.age_rmse.toFixed(2)}  CS@5 ${m.age_cs5.toFixed(3)}  ` +
    `coverage ${m.interval_coverage.toFixed(3)}  width ${m.interval_width.toFixed(1)}  gender acc ${m.gender_accuracy.toFixed(3)}  ECE ${m.gender_ece.toFixed(3)}`;
  console.log(line('overall', report.overall));
  for (const table of [report.by_age_band, report.by_gender, report.by_race]) {
    for (const [name, m] of Object.entries(table)) console.log(line(name, m));
  }
}
console.error(`scored ${faces.length} faces; skipped ${skipped} rows (errors, no UTKFace label, or not face 1)`);
