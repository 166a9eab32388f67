// What the real-photo benchmark reports: old scans (FG-NET, exact ages), wild photos (FairFace, age
// groups, gender and race) and everyday photos (All-Age-Faces, exact ages and gender), each photo's
// largest face as the CLI gives it.
import { AGE_BANDS, ageBand } from '../src/lib/metrics';

/**
 * The largest face found in a photo (null: none found). A model without an interval (face-api.js) gives NaN for
 * ageLow and ageHigh, one without a scan flag null for oldScan: their figures come out NaN (null in JSON).
 */
export interface PhotoEstimate {
  age: number;
  ageLow: number;
  ageHigh: number;
  femaleProbability: number;
  oldScan: boolean | null;
}

export interface ScanResult {
  age: number;
  estimate: PhotoEstimate | null;
}
export interface WildResult {
  ageGroup: string;
  gender: 'female' | 'male';
  /** FairFace's ethnic group, where the set gives one. */
  race?: string;
  estimate: PhotoEstimate | null;
}
export interface EverydayResult {
  age: number;
  gender: 'female' | 'male';
  estimate: PhotoEstimate | null;
}

export interface AgeMetrics {
  n: number;
  mae: number;
  bias: number;
  coverage: number;
  width: number;
  readAsScan: number;
}

export interface ScanReport {
  photos: number;
  faceFound: number;
  overall: AgeMetrics;
  byAgeBand: Record<string, AgeMetrics>;
}

export interface GenderMetrics {
  n: number;
  accuracy: number;
}

export interface WildReport {
  photos: number;
  faceFound: number;
  /** Gender accuracy (probability >= 0.5 is female) overall and by true gender x adult (20+) / child. */
  gender: Record<string, GenderMetrics>;
  /** Calls outside the model's "uncertain" band: how many, and how often right. */
  sureShare: number;
  sureAccuracy: number;
  /** Adult women (20+) whose probability is under 0.5. */
  adultWomenReadAsMen: number;
  /** The estimated age falls in the photo's own FairFace age group. */
  ageGroupAccuracy: number;
  /** Gender right over every photo, a photo with no face found counted wrong. */
  genderWithMisses: number;
  /** Gender right per ethnic group, misses counted wrong (where races are given). */
  genderByRace: Record<string, GenderMetrics>;
  readAsScan: number;
}

export interface EverydayReport extends ScanReport {
  /** Gender right over the faces found, overall, for adults (20+) and children. */
  gender: Record<string, GenderMetrics>;
  genderWithMisses: number;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function ageMetrics(rows: { age: number; estimate: PhotoEstimate }[]): AgeMetrics {
  return {
    n: rows.length,
    mae: mean(rows.map((r) => Math.abs(r.estimate.age - r.age))),
    bias: mean(rows.map((r) => r.estimate.age - r.age)),
    coverage: mean(
      rows.map((r) =>
        Number.isNaN(r.estimate.ageLow) ? NaN : Number(r.age >= r.estimate.ageLow && r.age <= r.estimate.ageHigh),
      ),
    ),
    width: mean(rows.map((r) => r.estimate.ageHigh - r.estimate.ageLow)),
    readAsScan: readAsScan(rows),
  };
}

function readAsScan(rows: { estimate: PhotoEstimate }[]): number {
  return mean(rows.map((r) => (r.estimate.oldScan === null ? NaN : Number(r.estimate.oldScan))));
}

/** Photos without a face found count against faceFound only (their age cannot be scored). */
export function scanReport(results: ScanResult[]): ScanReport {
  const found = results.filter((r): r is { age: number; estimate: PhotoEstimate } => r.estimate !== null);
  const byAgeBand: Record<string, AgeMetrics> = {};
  for (const [low] of AGE_BANDS) {
    const band = found.filter((r) => ageBand(r.age) === ageBand(low));
    if (band.length) byAgeBand[ageBand(low)] = ageMetrics(band);
  }
  return { photos: results.length, faceFound: found.length / results.length, overall: ageMetrics(found), byAgeBand };
}

/** FairFace's age groups: '0-2', ..., '60-69', '70+'. */
export function ageGroupRange(group: string): [number, number] {
  const m = /^(\d+)(?:-(\d+)|\+)$/.exec(group);
  if (!m) throw new Error(`not a FairFace age group: ${group}`);
  return [Number(m[1]), m[2] ? Number(m[2]) : Infinity];
}

/** A gender call is right: female from probability 0.5 up. */
const genderRight = (femaleProbability: number, gender: string): boolean =>
  femaleProbability >= 0.5 === (gender === 'female');

/** The estimated age, rounded, falls in the FairFace age group. */
function inAgeGroup(age: number, group: string): boolean {
  const [low, high] = ageGroupRange(group);
  const rounded = Math.round(age);
  return rounded >= low && rounded <= high;
}

/** `uncertain`: the model's gender "uncertain" band, or null for one without (its sure-call figures are NaN). */
export function wildReport(results: WildResult[], uncertain: readonly [number, number] | null): WildReport {
  const found = results.filter((r): r is WildResult & { estimate: PhotoEstimate } => r.estimate !== null);
  const isAdult = (r: WildResult): boolean => ageGroupRange(r.ageGroup)[0] >= 20;
  const right = (r: WildResult & { estimate: PhotoEstimate }): boolean =>
    genderRight(r.estimate.femaleProbability, r.gender);
  const genderMetrics = (rows: typeof found): GenderMetrics => ({
    n: rows.length,
    accuracy: mean(rows.map((r) => Number(right(r)))),
  });
  const gender: Record<string, GenderMetrics> = { all: genderMetrics(found) };
  for (const g of ['female', 'male'] as const) {
    for (const [name, adult] of [
      ['adults', true],
      ['children', false],
    ] as const) {
      gender[`${g} ${name}`] = genderMetrics(found.filter((r) => r.gender === g && isAdult(r) === adult));
    }
  }
  const sure = uncertain
    ? found.filter((r) => r.estimate.femaleProbability <= uncertain[0] || r.estimate.femaleProbability >= uncertain[1])
    : null;
  const adultWomen = found.filter((r) => r.gender === 'female' && isAdult(r));
  return {
    photos: results.length,
    faceFound: found.length / results.length,
    gender,
    sureShare: sure ? sure.length / found.length : NaN,
    sureAccuracy: sure ? mean(sure.map((r) => Number(right(r)))) : NaN,
    adultWomenReadAsMen: mean(adultWomen.map((r) => Number(r.estimate.femaleProbability < 0.5))),
    ageGroupAccuracy: mean(found.map((r) => Number(inAgeGroup(r.estimate.age, r.ageGroup)))),
    genderWithMisses: withMisses(results, right),
    genderByRace: Object.fromEntries(
      [...new Set(results.flatMap((r) => (r.race ? [r.race] : [])))].sort().map((race) => {
        const rows = results.filter((r) => r.race === race);
        return [race, { n: rows.length, accuracy: withMisses(rows, right) }];
      }),
    ),
    readAsScan: readAsScan(found),
  };
}

/** The share of `results` whose face was found and `right`: a photo with no face found counts wrong. */
function withMisses<T extends { estimate: PhotoEstimate | null }>(
  results: T[],
  right: (r: T & { estimate: PhotoEstimate }) => boolean,
): number {
  return mean(results.map((r) => Number(r.estimate !== null && right(r as T & { estimate: PhotoEstimate }))));
}

export function everydayReport(results: EverydayResult[]): EverydayReport {
  const right = (r: EverydayResult & { estimate: PhotoEstimate }): boolean =>
    genderRight(r.estimate.femaleProbability, r.gender);
  const found = results.filter((r): r is EverydayResult & { estimate: PhotoEstimate } => r.estimate !== null);
  const genderOf = (rows: typeof found): GenderMetrics => ({
    n: rows.length,
    accuracy: mean(rows.map((r) => Number(right(r)))),
  });
  return {
    ...scanReport(results),
    gender: {
      all: genderOf(found),
      adults: genderOf(found.filter((r) => r.age >= 20)),
      children: genderOf(found.filter((r) => r.age < 20)),
    },
    genderWithMisses: withMisses(results, right),
  };
}

/** One photo's row of bench:real-photos --predictions (its labels, and the estimate: '' where no face was found). */
export interface PredictionRow {
  set: string;
  file: string;
  age: string;
  age_group: string;
  gender: string;
  est_age: string;
  female_probability: string;
}

/** Two models on one set's photos where both found a face: [ours, theirs] for each figure the set's labels give. */
export interface CommonPhotosReport {
  /** Photos where both found a face, of the set's photos. */
  photos: number;
  of: number;
  genderAccuracy?: [number, number];
  ageGroupAccuracy?: [number, number];
  ageMae?: [number, number];
}

/**
 * Like for like: two models' --predictions of the same photos, scored on the photos where both found a face, so that
 * neither is judged on faces the other missed. `kindOf` says what a set's labels give (old scans: exact ages; wild
 * photos: gender and age group; everyday photos: exact ages and gender). Throws where the two files do not hold
 * the same photos with the same labels, or an estimate is not a number.
 */
export function commonPhotosReport(
  ours: PredictionRow[],
  theirs: PredictionRow[],
  kindOf: (set: string) => 'scans' | 'wild' | 'everyday',
): Record<string, CommonPhotosReport> {
  const key = (r: PredictionRow): string => `${r.set}/${r.file}`;
  const byKey = new Map(theirs.map((r) => [key(r), r]));
  const sameLabels = (a: PredictionRow, b: PredictionRow | undefined): boolean =>
    b !== undefined && a.gender === b.gender && a.age === b.age && a.age_group === b.age_group;
  if (byKey.size !== ours.length || ours.some((r) => !sameLabels(r, byKey.get(key(r)))))
    throw new Error('the two files do not hold the same photos with the same labels: run both on the same --part');
  const found = (r: PredictionRow): boolean => {
    if (r.est_age === '') return false;
    if (!Number.isFinite(Number(r.est_age)) || !Number.isFinite(Number(r.female_probability)))
      throw new Error(`${key(r)}: an estimate that is not a number`);
    return true;
  };
  const pairs = ours.flatMap((a) => {
    const b = byKey.get(key(a))!;
    return found(a) && found(b) ? [[a, b] as const] : [];
  });
  // each model's estimate against the photo's labels (ours: the files' labels are the same)
  const score = (
    rows: typeof pairs,
    f: (labels: PredictionRow, estimate: PredictionRow) => number,
  ): [number, number] => [mean(rows.map(([a]) => f(a, a))), mean(rows.map(([a, b]) => f(a, b)))];
  const report: Record<string, CommonPhotosReport> = {};
  for (const set of new Set(ours.map((r) => r.set))) {
    const rows = pairs.filter(([a]) => a.set === set);
    const kind = kindOf(set);
    report[set] = {
      photos: rows.length,
      of: ours.filter((r) => r.set === set).length,
      ...(kind !== 'scans' && {
        genderAccuracy: score(rows, (l, e) => Number(genderRight(Number(e.female_probability), l.gender))),
      }),
      ...(kind === 'wild' && {
        ageGroupAccuracy: score(rows, (l, e) => Number(inAgeGroup(Number(e.est_age), l.age_group))),
      }),
      ...(kind !== 'wild' && { ageMae: score(rows, (l, e) => Math.abs(Number(e.est_age) - Number(l.age))) }),
    };
  }
  return report;
}
