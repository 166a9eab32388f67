import { describe, expect, it } from 'vitest';
import { femaleProbability, summariseAgeDistribution } from './interval';

describe('summariseAgeDistribution', () => {
  const probs = new Float32Array(11);
  probs[2] = 0.25; probs[5] = 0.5; probs[8] = 0.25;

  it('gives the expected age and the widened quantile interval', () => {
    // Age a spreads over [a - 0.5, a + 0.5]: the 5% quantile is 1.7 and the 95% one 8.3 (as in test_metrics.py).
    const s = summariseAgeDistribution(probs, { coverage: 0.9, interval_margin: 1.5, temperature: 1 });
    expect(s.age).toBeCloseTo(5, 5);
    expect(s.ageLow).toBeCloseTo(0.2, 5);
    expect(s.ageHigh).toBeCloseTo(9.8, 5);
  });

  it('never goes below zero and never turns the interval inside out', () => {
    expect(summariseAgeDistribution(probs, { coverage: 0.9, interval_margin: 4, temperature: 1 }).ageLow).toBe(0);
    const narrowed = summariseAgeDistribution(probs, { coverage: 0.9, interval_margin: -10, temperature: 1 });
    expect(narrowed.ageLow).toBe(narrowed.ageHigh);
    expect(narrowed.ageLow).toBe(5);
  });
});

describe('femaleProbability', () => {
  it('applies the temperature to the logit', () => {
    expect(femaleProbability(0, { coverage: 0.9, interval_margin: 0, temperature: 2 })).toBe(0.5);
    expect(femaleProbability(2, { coverage: 0.9, interval_margin: 0, temperature: 2 })).toBeCloseTo(1 / (1 + Math.exp(-1)), 10);
  });
});
