import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelCard } from '../lib/modelCard';
import { faceLimits } from './faceLimits';

const card = JSON.parse(readFileSync('public/models/agegender/model-card.json', 'utf8')) as ModelCard;
const adult = { age: 35, box: { left: 0, top: 0, width: 200, height: 200 }, oldScan: false };
const percent = (p: number): string => `${Math.round(p * 100)}%`;

describe('faceLimits', () => {
  it("says what limits a face, with the card's own figures", () => {
    const wild = percent(card.real_photos!.out_of_fold.fairface!.gender_with_misses!);
    expect(faceLimits(adult, card)).toEqual([`on everyday photos gender is right ${wild} of the time in our tests`]);
    const child = faceLimits({ ...adult, age: 6.4, box: { ...adult.box, width: 40 }, oldScan: true }, card);
    expect(child).toEqual([
      `on everyday photos gender is right ${wild} of the time in our tests`,
      `a child: gender right ${percent(card.metrics.test!.by_age_band['4-8'].gender_accuracy)} at 4-8 years`,
      'looks like an old scanned print, so its interval is the wider one fitted on old scans',
      'a small face (40 px): little detail',
    ]);
  });

  it('follows the card, and needs none', () => {
    const changed = structuredClone(card);
    changed.real_photos!.out_of_fold.fairface!.gender_with_misses = 0.5;
    expect(faceLimits(adult, changed)[0]).toContain('right 50% of the time');
    expect(faceLimits({ ...adult, age: 2 }, null)).toEqual(['a child: gender is harder to tell']);
  });
});
