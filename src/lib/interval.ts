// Calibrated age interval and gender probability from the raw network outputs. The same rules as
// training/agegender_train/calibration.py, where the interval's scales and the temperature are fitted.

export interface IntervalBand {
  /** The band holds predicted ages >= fromAge, up to the next band's. */
  from_age: number;
  /** Margin on each side of the raw quantile interval, in units of its width. */
  scale: number;
  /** Calibration faces in the band (0: the scale fitted on all of them). */
  n: number;
}

export interface Calibration {
  /** Nominal coverage of [ageLow, ageHigh], e.g. 0.9. */
  coverage: number;
  /** femaleProbability = sigmoid(logit / temperature). */
  temperature: number;
  /** Years; raw intervals narrower than this count as this wide. */
  min_spread: number;
  /** Normalised Mondrian conformal margins, one per band of predicted age, sorted by from_age. */
  interval_bands: IntervalBand[];
}

export interface AgeSummary {
  age: number;
  ageLow: number;
  ageHigh: number;
}

export type GenderCall = 'male' | 'female' | 'uncertain';

/** A female probability strictly inside this range is called "uncertain" (training's config.GENDER_UNCERTAIN). */
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

export function summariseAgeDistribution(probs: ArrayLike<number>, calibration: Calibration): AgeSummary {
  let age = 0;
  for (let a = 0; a < probs.length; a++) age += a * probs[a];
  const alpha = 1 - calibration.coverage;
  const [rawLow, rawHigh] = [quantile(probs, alpha / 2), quantile(probs, 1 - alpha / 2)];
  const band = calibration.interval_bands.findLast((b) => b.from_age <= age) ?? calibration.interval_bands[0];
  const margin = band.scale * Math.max(rawHigh - rawLow, calibration.min_spread);
  const [low, high] = [rawLow - margin, rawHigh + margin];
  const mid = (low + high) / 2;
  return { age, ageLow: Math.max(0, Math.min(low, mid)), ageHigh: Math.max(high, mid) };
}

export function femaleProbability(logit: number, calibration: Calibration): number {
  return 1 / (1 + Math.exp(-logit / calibration.temperature));
}

export function genderCall(femaleProbability: number): GenderCall {
  if (femaleProbability > GENDER_UNCERTAIN[0] && femaleProbability < GENDER_UNCERTAIN[1]) return 'uncertain';
  return femaleProbability >= 0.5 ? 'female' : 'male';
}
