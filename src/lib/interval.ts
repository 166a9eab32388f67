// Calibrated age interval and gender probability from the raw network outputs. The same rules as
// training/agegender_train/calibration.py, where the interval's scales and the temperature are fitted.

export interface IntervalBand {
  /** The band holds true ages >= from_age, up to the next band's. */
  from_age: number;
  /** Margin on each side of the raw quantile interval, in units of its width, for ages in this band. */
  scale: number;
  /** Calibration faces in the band (0: too few; the scale fitted on all of them). */
  n: number;
}

export interface Calibration {
  /** Nominal coverage of [ageLow, ageHigh], e.g. 0.9. */
  coverage: number;
  /** femaleProbability = sigmoid(logit / temperature). */
  temperature: number;
  /** Years; raw intervals narrower than this count as this wide. */
  min_spread: number;
  /** Normalised conformal margins, one per band of true age, sorted by from_age. */
  interval_bands: IntervalBand[];
  /**
   * The same, fitted on old scanned prints (FG-NET), for faces the model's scan head reads as one
   * (probability >= scan_threshold); models without a scan head have none.
   */
  scan_interval_bands?: IntervalBand[];
  scan_threshold?: number;
  /**
   * An interval that holds this age starts at 0 (absent or 0: no such rule). 1 in models whose heads saw FG-NET:
   * UTKFace, where the exact ages come from, labels its babies 1, so its 1 holds those under a year, whom FG-NET
   * labels 0.
   */
  youngest_labelled_age?: number;
  /** A female probability strictly inside this range is "uncertain"; GENDER_UNCERTAIN when absent. */
  gender_uncertain?: [number, number];
}

export interface AgeSummary {
  age: number;
  ageLow: number;
  ageHigh: number;
}

export type GenderCall = 'male' | 'female' | 'uncertain';

/** The "uncertain" range of models calibrated before real photos (training's config.GENDER_UNCERTAIN). */
export const GENDER_UNCERTAIN: readonly [number, number] = [0.35, 0.65];

/** The q-quantile, reading age a as spread evenly over [a - 0.5, a + 0.5] (continuous, so conformal scores do not tie). */
function quantile(probs: ArrayLike<number>, q: number): number {
  let below = 0;
  for (let a = 0; a < probs.length; a++) {
    if (below + probs[a] >= q) return a - 0.5 + Math.min(1, Math.max(0, (q - below) / Math.max(probs[a], 1e-12)));
    below += probs[a];
  }
  return probs.length - 0.5;
}

/**
 * The expected age, and the span of the ages that are plausible under their own band's margin
 * (label-conditional conformal: each band of true age is covered at the nominal rate); one that holds
 * calibration.youngest_labelled_age starts at 0.
 */
export function summariseAgeDistribution(
  probs: ArrayLike<number>,
  calibration: Calibration,
  oldScan = false,
): AgeSummary {
  let age = 0;
  for (let a = 0; a < probs.length; a++) age += a * probs[a];
  const alpha = 1 - calibration.coverage;
  const [rawLow, rawHigh] = [quantile(probs, alpha / 2), quantile(probs, 1 - alpha / 2)];
  const spread = Math.max(rawHigh - rawLow, calibration.min_spread);
  const bands =
    oldScan && calibration.scan_interval_bands ? calibration.scan_interval_bands : calibration.interval_bands;
  let [low, high] = [Infinity, -Infinity];
  bands.forEach((band, i) => {
    // whole age a stands for [a - 0.5, a + 0.5)
    const lo = Math.max(rawLow - band.scale * spread, band.from_age - 0.5);
    const hi = Math.min(rawHigh + band.scale * spread, i + 1 < bands.length ? bands[i + 1].from_age - 0.5 : Infinity);
    if (lo <= hi) [low, high] = [Math.min(low, lo), Math.max(high, hi)];
  });
  if (!Number.isFinite(low)) [low, high] = [rawLow, rawHigh];
  if (low <= (calibration.youngest_labelled_age ?? 0)) low = Math.min(low, 0);
  return { age, ageLow: Math.max(0, low), ageHigh: high };
}

/**
 * The whole ages inside [ageLow, ageHigh], as an interval is shown: rounding its ends instead would show
 * ages it leaves out (12.3-18.5 as "12 to 19", when 12 and 19 are outside).
 */
export function wholeYears({ ageLow, ageHigh }: Pick<AgeSummary, 'ageLow' | 'ageHigh'>): [number, number] {
  const [low, high] = [Math.ceil(ageLow), Math.floor(ageHigh)];
  return low <= high ? [low, high] : [Math.round(ageLow), Math.round(ageHigh)]; // narrower than a year: hardly ever
}

/** The oldest age the models estimate (their max_age): an interval reaching past it is shown as "to 100+". */
export const OLDEST_AGE = 100;

/** An interval as people read it: its whole years, "35 to 100+" rather than "35 to 107" past the oldest age. */
export function intervalText(interval: Pick<AgeSummary, 'ageLow' | 'ageHigh'>, to = ' to '): string {
  const [low, high] = wholeYears(interval);
  return `${low}${to}${high > OLDEST_AGE ? `${OLDEST_AGE}+` : high}`;
}

export function femaleProbability(logit: number, calibration: Calibration): number {
  return 1 / (1 + Math.exp(-logit / calibration.temperature));
}

/** Whether a face whose scan head gave `scanLogit` is read as an old scan. */
export function isOldScan(scanLogit: number, calibration: Calibration): boolean {
  return (
    calibration.scan_interval_bands !== undefined &&
    1 / (1 + Math.exp(-scanLogit)) >= (calibration.scan_threshold ?? 0.5)
  );
}

/** `uncertain`: the model's band (calibration.gender_uncertain), GENDER_UNCERTAIN for models without one. */
export function genderCall(
  femaleProbability: number,
  uncertain: readonly [number, number] = GENDER_UNCERTAIN,
): GenderCall {
  const [low, high] = uncertain;
  if (femaleProbability > low && femaleProbability < high) return 'uncertain';
  return femaleProbability >= 0.5 ? 'female' : 'male';
}
