import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelCard } from '../lib/modelCard';
import { faceLimits } from './faceLimits';

const card = JSON.parse(readFileSync('public/models/agegender/model-card.json', 'utf8')) as ModelCard;
const adult = { age: 35, box: { left: 0, top: 0, width: 200, height: 200 }, oldScan: false };
const percent = (p: number): string => `${Math.round(p * 100)}%`;

describe('faceLimits', () => {
  it("says what limits a face, with the card's own figures", () => {
    const wild = percent(card.real_photos!.out_of_fold.fairface!.gender.all.accuracy);
    const web = `on photos from the web, gender is right for ${wild} of faces in our tests`;
    expect(faceLimits(adult, card)).toEqual([web]);
    // 12.6 shows as 13: not a child
    expect(faceLimits({ ...adult, age: 12.6 }, card)).toEqual([web]);
    const child = faceLimits({ ...adult, age: 6.4, box: { ...adult.box, width: 40 }, oldScan: true }, card);
    expect(child).toEqual([
      web,
      `a child: gender right ${percent(card.metrics.test!.by_age_band['4-8'].gender_accuracy)} at 4-8 years`,
      'looks like an old scanned print, so its interval is the wider one fitted on old scans',
      'a small face (40 px): little detail',
    ]);
  });

  it('follows the card, and needs none', () => {
    const changed = structuredClone(card);
    changed.real_photos!.out_of_fold.fairface!.gender.all.accuracy = 0.5;
    expect(faceLimits(adult, changed)[0]).toContain('right for 50% of faces');
    expect(faceLimits({ ...adult, age: 2 }, null)).toEqual(['a child: gender is harder to tell']);
  });
});
