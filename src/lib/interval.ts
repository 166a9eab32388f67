// Calibrated age interval and gender probability from the raw network outputs. The same rules as
// training/agegender_train/calibration.py, where the margin and temperature are fitted.

export interface Calibration {
  /** Nominal coverage of [ageLow, ageHigh], e.g. 0.9. */
  coverage: number;
  /** Years added on both sides of the distribution's quantile interval (split conformal). */
  interval_margin: number;
  /** femaleProbability = sigmoid(logit / temperature). */
  temperature: number;
}

export interface AgeSummary {
  age: number;
  ageLow: number;
  ageHigh: number;
}

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
  const low = quantile(probs, alpha / 2) - calibration.interval_margin;
  const high = quantile(probs, 1 - alpha / 2) + calibration.interval_margin;
  const mid = (low + high) / 2;
  return { age, ageLow: Math.max(0, Math.min(low, mid)), ageHigh: Math.max(high, mid) };
}

export function femaleProbability(logit: number, calibration: Calibration): number {
  return 1 / (1 + Math.exp(-logit / calibration.temperature));
}
