import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CardMetrics, ModelCard } from '../lib/modelCard';
import { modelSummary } from './modelSummary';

const read = (model: string): ModelCard =>
  JSON.parse(readFileSync(`public/models/${model}/model-card.json`, 'utf8')) as ModelCard;
const lines = (card: ModelCard): Record<string, string> =>
  Object.fromEntries(modelSummary(card).map((l) => [l.id, `${l.lead} ${l.text}`]));

describe('modelSummary', () => {
  it("says the shipped model's test figures and real-photo limits in plain words", () => {
    const card = read('agegender');
    const test = card.metrics.test.overall;
    const fairface = card.real_photos!.out_of_fold.fairface!;
    const got = lines(card);
    expect(Object.keys(got)).toEqual(['age', 'range', 'weaker']);
    expect(got.age).toContain(`on average the estimate is ${test.age_mae.toFixed(1)} years off`);
    expect(got.age).toContain(`${Math.round(test.age_cs5 * 100)}% of estimates are within 5 years`);
    expect(got.age).toContain(`${test.n.toLocaleString('en-US')} UTKFace faces`);
    expect(got.range).toMatch(
      /^How often the 90% range holds: it held the true age for \d+% of those faces \(\d+% to \d+%/,
    );
    expect(got.range).toContain(`${Math.round(test.interval_width)} years wide`);
    expect(got.weaker).toContain(`gender is right for ${Math.round(fairface.gender_with_misses! * 100)}% of photos`);
    expect(got.weaker).toContain(
      `${Math.round(fairface.adult_women_read_as_men * 100)}% of adult women are read as men`,
    );
    expect(got.weaker).toContain('All-Age-Faces');
  });

  it('names the weakest age band and race of the test part, leaving out groups too small to judge', () => {
    const card = read('agegender');
    const test = card.metrics.test;
    const set = (m: CardMetrics, n: number, age_mae: number, gender_accuracy: number): CardMetrics => ({
      ...m,
      n,
      age_mae,
      gender_accuracy,
    });
    for (const groups of [test.by_age_band, test.by_race])
      for (const g of Object.keys(groups)) groups[g] = set(groups[g], 100, 4, 0.95);
    test.by_age_band['29-40'] = set(test.by_age_band['29-40'], 30, 7.25, 0.95);
    test.by_age_band['4-8'] = set(test.by_age_band['4-8'], 100, 4, 0.611);
    test.by_age_band['81+'] = set(test.by_age_band['81+'], 29, 20, 0.2); // too few faces to be named
    test.by_race.Indian = set(test.by_race.Indian, 100, 5.5, 0.9);
    test.by_race.Black = set(test.by_race.Black, 100, 4, 0.85);
    test.by_race.Others = set(test.by_race.Others, 10, 20, 0.2);
    expect(lines(card).weaker).toContain(
      'the weakest groups are ages 29-40 for age (7.3 years off) and ages 4-8 for gender (61% right); ' +
        'by race, Indian for age (5.5 years off) and Black for gender (85% right).',
    );
  });

  it('follows the card: other figures, another coverage, no FairFace test part, no real photos', () => {
    const card = read('agegender');
    card.metrics.test.overall = { ...card.metrics.test.overall, age_mae: 3.14, age_cs5: 0.8, interval_width: 12.4 };
    card.calibration.coverage = 0.8;
    card.real_photos!.out_of_fold.fairface = undefined;
    card.real_photos!.out_of_fold.everyday_photos = undefined;
    // FairFace dev without its misses (as v9's card had it): its faces' accuracy.
    const dev = { ...card.real_photos!.out_of_fold.wild_photos, gender_with_misses: undefined };
    card.real_photos!.out_of_fold.wild_photos = dev;
    let got = lines(card);
    expect(got.age).toContain('3.1 years off');
    expect(got.age).toContain('80% of estimates');
    expect(got.range).toMatch(/^How often the 80% range holds: .*; it is 12 years wide on average\.$/);
    expect(got.weaker).toContain(
      `(FairFace dev), gender is right for ${Math.round(dev.gender.all.accuracy * 100)}% of ${dev.gender.all.n} faces`,
    );
    expect(got.weaker).not.toContain('no face found');
    expect(got.weaker).not.toContain('All-Age-Faces');

    card.real_photos = undefined;
    got = lines(card);
    expect(got.weaker).toMatch(/^Where it is weaker: it has not been measured on real photos/);
  });

  it("gives the fast model's lines, and none for a card without a test part", () => {
    const fast = read('agegender-fast');
    expect(lines(fast).age).toContain(`${fast.metrics.test.overall.age_mae.toFixed(1)} years off`);
    expect(lines(fast).weaker).toContain('not been measured on real photos');
    const { test: _test, ...others } = fast.metrics;
    expect(modelSummary({ ...fast, metrics: others })).toEqual([]);
  });
});
