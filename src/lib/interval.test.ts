import { describe, expect, it } from 'vitest';
import {
  type Calibration,
  femaleProbability,
  genderCall,
  intervalText,
  summariseAgeDistribution,
  wholeYears,
} from './interval';

const calibration = (scales: [number, number][], minSpread = 1): Calibration => ({
  coverage: 0.9,
  temperature: 1,
  min_spread: minSpread,
  interval_bands: scales.map(([from_age, scale]) => ({ from_age, scale, n: 100 })),
});

describe('summariseAgeDistribution', () => {
  const probs = new Float32Array(11);
  probs[2] = 0.25;
  probs[5] = 0.5;
  probs[8] = 0.25;

  it('gives the expected age and the quantile interval widened in proportion to its width', () => {
    // Age a spreads over [a - 0.5, a + 0.5]: the 5% quantile is 1.7 and the 95% one 8.3 (as in test_metrics.py),
    // 6.6 years apart, so a scale of 0.5 / 6.6 adds 0.5 years on each side.
    const s = summariseAgeDistribution(probs, calibration([[0, 0.5 / 6.6]]));
    expect(s.age).toBeCloseTo(5, 5);
    expect(s.ageLow).toBeCloseTo(1.2, 5);
    expect(s.ageHigh).toBeCloseTo(8.8, 5);
  });

  it("spans every age plausible under its own band's scale", () => {
    // [1.7, 8.3] under scale 0 for ages up to 8; ages from 9 are plausible up to 8.3 + 10 * 6.6 = 74.3
    expect(
      summariseAgeDistribution(
        probs,
        calibration([
          [0, 0],
          [9, 10],
        ]),
      ),
    ).toMatchObject({ ageLow: 1.7, ageHigh: 74.3 });
    // ...but none of the ages from 80 is
    const s = summariseAgeDistribution(
      probs,
      calibration([
        [0, 0],
        [80, 10],
      ]),
    );
    expect([s.ageLow, s.ageHigh].map((v) => v.toFixed(5))).toEqual(['1.70000', '8.30000']);
    // when no age of the next band is plausible, the interval ends where that band starts (5.5)
    expect(
      summariseAgeDistribution(
        probs,
        calibration([
          [0, 1.5 / 6.6],
          [6, -0.5],
        ]),
      ).ageHigh,
    ).toBeCloseTo(5.5, 5);
  });

  it('counts a raw interval narrower than min_spread as that wide', () => {
    const sharp = new Float32Array(11);
    sharp[5] = 1; // raw interval [4.55, 5.45], 0.9 years
    const s = summariseAgeDistribution(sharp, calibration([[0, 0.5]], 4));
    expect(s.ageLow).toBeCloseTo(2.55, 5);
    expect(s.ageHigh).toBeCloseTo(7.45, 5);
  });

  it('starts at 0 an interval that holds youngest_labelled_age (UTKFace labels babies under a year 1)', () => {
    const baby = new Float32Array(11);
    [baby[1], baby[2]] = [0.6, 0.4]; // raw interval [0.58, 2.38]: it holds 1
    const labelledFromOne = { ...calibration([[0, 0]]), youngest_labelled_age: 1 };
    expect(summariseAgeDistribution(baby, labelledFromOne)).toMatchObject({ ageLow: 0 });
    expect(summariseAgeDistribution(baby, labelledFromOne).ageHigh).toBeCloseTo(2.375, 5);
    expect(summariseAgeDistribution(baby, calibration([[0, 0]])).ageLow).toBeCloseTo(0.5833, 4); // no such rule
    // one that starts above 1 keeps its start
    [baby[1], baby[2], baby[3]] = [0, 0.6, 0.4];
    expect(summariseAgeDistribution(baby, labelledFromOne).ageLow).toBeCloseTo(1.5833, 4);
  });

  it('never goes below zero, and falls back to the raw interval when no age is plausible', () => {
    expect(summariseAgeDistribution(probs, calibration([[0, 1]])).ageLow).toBe(0);
    const narrowed = summariseAgeDistribution(probs, calibration([[0, -2]]));
    expect(narrowed.ageLow).toBeCloseTo(1.7, 5);
    expect(narrowed.ageHigh).toBeCloseTo(8.3, 5);
  });
});

describe('wholeYears', () => {
  it('shows the whole ages the interval holds, never one it leaves out', () => {
    expect(wholeYears({ ageLow: 12.3, ageHigh: 18.5 })).toEqual([13, 18]);
    expect(wholeYears({ ageLow: 0, ageHigh: 9 })).toEqual([0, 9]);
    expect(wholeYears({ ageLow: 4.2, ageHigh: 4.8 })).toEqual([4, 5]); // holds no whole age: its ends rounded
  });
});

describe('gender', () => {
  it('applies the temperature to the logit', () => {
    expect(femaleProbability(0, { ...calibration([[0, 0]]), temperature: 2 })).toBe(0.5);
    expect(femaleProbability(2, { ...calibration([[0, 0]]), temperature: 2 })).toBeCloseTo(1 / (1 + Math.exp(-1)), 10);
  });

  it('calls a probability between 0.35 and 0.65 uncertain', () => {
    expect([0.1, 0.35, 0.36, 0.5, 0.64, 0.65, 0.9].map((p) => genderCall(p))).toEqual([
      'male',
      'male',
      'uncertain',
      'uncertain',
      'uncertain',
      'female',
      'female',
    ]);
  });
});

describe('intervalText', () => {
  it('shows whole years, and past the oldest age the models know, "100+"', () => {
    expect(intervalText({ ageLow: 34.6, ageHigh: 58.2 })).toBe('35 to 58');
    expect(intervalText({ ageLow: 34.6, ageHigh: 107.3 })).toBe('35 to 100+');
    expect(intervalText({ ageLow: 2.2, ageHigh: 9.9 }, '–')).toBe('3–9');
  });
});
