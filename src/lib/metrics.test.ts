import { describe, expect, it } from 'vitest';
import { ageBand, evaluationReport, expectedCalibrationError, groupMetrics, type ScoredFace } from './metrics';

const face = (
  age: number,
  gender: 'male' | 'female',
  race: 'White' | 'Black',
  pred: number,
  low: number,
  high: number,
  p: number,
): ScoredFace => ({ truth: { age, gender, race }, age: pred, ageLow: low, ageHigh: high, femaleProbability: p });

// The same hand-made numbers as training/tests/test_metrics.py.
const faces = [
  face(12, 'female', 'White', 10, 5, 15, 0.9),
  face(20, 'male', 'White', 20, 25, 30, 0.2),
  face(37, 'male', 'Black', 30, 20, 40, 0.6),
  face(41, 'male', 'Black', 40, 35, 45, 0.4),
];

describe('metrics', () => {
  it('computes MAE, RMSE, CS@5, coverage, width and accuracy', () => {
    const m = groupMetrics(faces);
    expect(m.n).toBe(4);
    expect(m.age_mae).toBeCloseTo(2.5, 10);
    expect(m.age_bias).toBeCloseTo(-2.5, 10);
    expect(m.age_rmse).toBeCloseTo(Math.sqrt(54 / 4), 10);
    expect(m.age_cs5).toBe(0.75);
    expect(m.interval_coverage).toBe(0.75);
    expect(m.interval_width).toBeCloseTo(11.25, 10);
    expect(m.gender_accuracy).toBe(0.75);
  });

  it('computes the expected calibration error', () => {
    const isFemale = [true, true, false, true];
    expect(expectedCalibrationError([0.9, 0.9, 0.1, 0.1], isFemale)).toBeCloseTo(0.15, 10);
    expect(expectedCalibrationError([0.75, 0.25], [true, true])).toBeCloseTo(0.25, 10);
  });

  it('groups by age band, gender and race', () => {
    const report = evaluationReport(faces);
    expect(Object.keys(report.by_age_band)).toEqual(['9-18', '19-28', '29-40', '41-60']);
    expect(report.by_race.Black.age_mae).toBeCloseTo(4, 10);
    expect(report.by_gender.female.n).toBe(1);
  });

  it('names age bands as the model card does', () => {
    expect([0, 3, 4, 18, 19, 80, 81, 116].map(ageBand)).toEqual([
      '0-3',
      '0-3',
      '4-8',
      '9-18',
      '19-28',
      '61-80',
      '81+',
      '81+',
    ]);
  });
});
