// The test vectors that training/tests/test_shared_vectors.py runs too: both languages read names, bands,
// metrics and intervals the same way.
import { describe, expect, it } from 'vitest';
import { type Calibration, genderCall, summariseAgeDistribution } from './interval';
import { ageBand, groupMetrics, type GroupMetrics } from './metrics';
import vectors from './shared-test-vectors.json';
import { parseUtkFaceName, type UtkFaceLabels } from './utkface';

interface VectorFace {
  age: number;
  age_low: number;
  age_high: number;
  female_probability: number;
  true_age: number;
  true_gender: string;
}

const distributions = vectors.distributions as Record<string, number[]>;
const calibrations = vectors.calibrations as Record<string, Calibration>;
const close = (got: number, expected: number): void =>
  expect(Math.abs(got - expected)).toBeLessThanOrEqual(vectors.tolerance);

describe('shared test vectors', () => {
  it('describe every distribution they use', () => {
    const used = new Set([...vectors.age_quantiles, ...vectors.intervals].map((c) => c.distribution));
    expect([...used].sort()).toEqual(Object.keys(distributions).sort());
  });

  it.each(vectors.utkface_names)('UTKFace name $name', (c: { name: string; labels?: object; error?: string }) => {
    const result = parseUtkFaceName(c.name);
    if (c.error !== undefined) expect(result).toEqual(new Error(c.error));
    else expect(result).toEqual(c.labels);
  });

  it.each(vectors.age_bands)('age band of $age', (c: { age: number; band?: string; error?: string }) => {
    if (c.error !== undefined) expect(() => ageBand(c.age)).toThrow(c.error);
    else expect(ageBand(c.age)).toBe(c.band);
  });

  it('gender calls', () => {
    for (const c of vectors.gender_calls)
      expect([c.female_probability, genderCall(c.female_probability)]).toEqual([c.female_probability, c.call]);
  });

  it.each(vectors.group_metrics.map((c) => [c.faces.length, c] as const))('group metrics of %i faces', (_, c) => {
    const faces = (c.faces as VectorFace[]).map((f) => ({
      truth: { age: f.true_age, gender: f.true_gender, race: 'White' } as UtkFaceLabels,
      age: f.age,
      ageLow: f.age_low,
      ageHigh: f.age_high,
      femaleProbability: f.female_probability,
    }));
    const got = groupMetrics(faces);
    for (const [key, expected] of Object.entries(c.expected)) close(got[key as keyof GroupMetrics], expected);
  });

  it('age quantiles (the raw interval, with no margin)', () => {
    // summariseAgeDistribution's raw interval is its quantiles: with no margin (one band, scale 0, no minimum
    // spread) ageLow and ageHigh are the (1 - coverage)/2 and (1 + coverage)/2 quantiles.
    for (const c of vectors.age_quantiles.filter((q) => q.q <= 0.5)) {
      // q and 1 - q: the interval of coverage 1 - 2q
      const bare: Calibration = {
        coverage: 1 - 2 * c.q,
        temperature: 1,
        min_spread: 0,
        interval_bands: [{ from_age: 0, scale: 0, n: 0 }],
      };
      close(summariseAgeDistribution(distributions[c.distribution], bare).ageLow, Math.max(0, c.expected));
      const upper = vectors.age_quantiles.find(
        (q) => q.distribution === c.distribution && Math.abs(q.q - (1 - c.q)) < 1e-12,
      );
      if (upper) close(summariseAgeDistribution(distributions[c.distribution], bare).ageHigh, upper.expected);
    }
  });

  it('intervals', () => {
    for (const c of vectors.intervals) {
      const got = summariseAgeDistribution(distributions[c.distribution], calibrations[c.calibration]);
      close(got.age, c.expected.age);
      close(got.ageLow, c.expected.age_low);
      close(got.ageHigh, c.expected.age_high);
    }
  });
});
