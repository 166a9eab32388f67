// Age and gender metrics, overall and per age band, gender and race: the same definitions as
// training/agegender_train/metrics.py, so the CLI scorer and the browser report what the model card reports.
import type { UtkFaceLabels } from './utkface';

export const AGE_BANDS: [number, number][] = [
  [0, 3],
  [4, 8],
  [9, 18],
  [19, 28],
  [29, 40],
  [41, 60],
  [61, 80],
  [81, 200],
];
const ECE_BINS = 10;

export function ageBand(age: number): string {
  const band = AGE_BANDS.find(([low, high]) => age >= low && age <= high);
  if (!band) throw new Error(`age ${age} is outside every band`);
  return band[1] >= 200 ? `${band[0]}+` : `${band[0]}-${band[1]}`;
}

export interface ScoredFace {
  truth: UtkFaceLabels;
  age: number;
  ageLow: number;
  ageHigh: number;
  femaleProbability: number;
}

export interface GroupMetrics {
  n: number;
  age_mae: number;
  /** Mean of estimate minus true age: positive when ages are read high. */
  age_bias: number;
  age_rmse: number;
  age_cs5: number;
  interval_coverage: number;
  interval_width: number;
  gender_accuracy: number;
  gender_ece: number;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Expected calibration error of the predicted class's probability, equal-width bins over [0.5, 1]. */
export function expectedCalibrationError(prob: number[], isFemale: boolean[]): number {
  const bins = Array.from({ length: ECE_BINS }, () => ({ n: 0, correct: 0, confidence: 0 }));
  prob.forEach((p, i) => {
    const confidence = p >= 0.5 ? p : 1 - p;
    const bin = bins[Math.min(ECE_BINS - 1, Math.max(0, Math.floor((confidence - 0.5) * (2 * ECE_BINS))))]; // as metrics.py
    bin.n += 1;
    bin.correct += Number(p >= 0.5 === isFemale[i]);
    bin.confidence += confidence;
  });
  return bins.reduce(
    (ece, b) => (b.n ? ece + (b.n / prob.length) * Math.abs(b.correct / b.n - b.confidence / b.n) : ece),
    0,
  );
}

export function groupMetrics(faces: ScoredFace[]): GroupMetrics {
  const err = faces.map((f) => Math.abs(f.age - f.truth.age));
  const isFemale = faces.map((f) => f.truth.gender === 'female');
  const prob = faces.map((f) => f.femaleProbability);
  return {
    n: faces.length,
    age_mae: mean(err),
    age_bias: mean(faces.map((f) => f.age - f.truth.age)),
    age_rmse: Math.sqrt(mean(err.map((e) => e * e))),
    age_cs5: mean(err.map((e) => Number(e <= 5))),
    interval_coverage: mean(faces.map((f) => Number(f.truth.age >= f.ageLow && f.truth.age <= f.ageHigh))),
    interval_width: mean(faces.map((f) => f.ageHigh - f.ageLow)),
    gender_accuracy: mean(prob.map((p, i) => Number(p >= 0.5 === isFemale[i]))),
    gender_ece: expectedCalibrationError(prob, isFemale),
  };
}

function groupBy(faces: ScoredFace[], key: (f: ScoredFace) => string): Record<string, GroupMetrics> {
  const groups = new Map<string, ScoredFace[]>();
  for (const f of faces) groups.set(key(f), [...(groups.get(key(f)) ?? []), f]);
  return Object.fromEntries(
    [...groups].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([k, v]) => [k, groupMetrics(v)]),
  );
}

export interface EvaluationReport {
  overall: GroupMetrics;
  by_age_band: Record<string, GroupMetrics>;
  by_gender: Record<string, GroupMetrics>;
  by_race: Record<string, GroupMetrics>;
  /** Per kind of group, the largest difference between two groups (as in the model card). */
  largest_gap: Record<string, { age_mae: number; gender_accuracy: number }>;
}

export function evaluationReport(faces: ScoredFace[]): EvaluationReport {
  if (faces.length === 0) throw new Error('no scored faces');
  const groups = {
    age_band: groupBy(faces, (f) => ageBand(f.truth.age)),
    gender: groupBy(faces, (f) => f.truth.gender),
    race: groupBy(faces, (f) => f.truth.race),
  };
  const spread = (table: Record<string, GroupMetrics>, key: 'age_mae' | 'gender_accuracy'): number =>
    Math.max(...Object.values(table).map((m) => m[key])) - Math.min(...Object.values(table).map((m) => m[key]));
  const largestGap = Object.fromEntries(
    Object.entries(groups)
      .filter(([, t]) => Object.keys(t).length > 1)
      .map(([kind, t]) => [kind, { age_mae: spread(t, 'age_mae'), gender_accuracy: spread(t, 'gender_accuracy') }]),
  );
  return {
    overall: groupMetrics(faces),
    by_age_band: groups.age_band,
    by_gender: groups.gender,
    by_race: groups.race,
    largest_gap: largestGap,
  };
}
