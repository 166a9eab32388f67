// The Model page's three plain lines, every number from the card: how close the age is, how often the range
// holds, and where the model is weaker.
import type { CardMetrics, ModelCard, WildPhotoReport } from '../lib/modelCard';

export interface SummaryLine {
  id: 'age' | 'range' | 'weaker';
  lead: string;
  text: string;
}

/** Groups of fewer faces say too little to be named the weakest (the shift benchmark's threshold too). */
const MIN_GROUP = 30;

/** A share as a whole percentage ("82%"), as the page writes them. */
export const percent = (x: number): string => `${Math.round(x * 100)}%`;
const years = (x: number): string => `${x.toFixed(1)} years`;
const count = (n: number): string => n.toLocaleString('en-US');

/** The group of at least MIN_GROUP faces with the highest `badness`. */
function weakest(groups: Record<string, CardMetrics>, badness: (m: CardMetrics) => number): [string, CardMetrics] {
  const big = Object.entries(groups).filter(([, m]) => m.n >= MIN_GROUP);
  return (big.length ? big : Object.entries(groups)).reduce((a, b) => (badness(b[1]) > badness(a[1]) ? b : a));
}

/** Gender on wild photos: FairFace's test part counts a photo with no face found as wrong; its dev set has faces only. */
function wild(report: WildPhotoReport, where: string, testAccuracy: number): string {
  const right =
    report.gender_with_misses === undefined
      ? `${percent(report.gender.all.accuracy)} of ${count(report.gender.all.n)} faces`
      : `${percent(report.gender_with_misses)} of photos`;
  const missed = report.gender_with_misses === undefined ? '' : ' (a photo with no face found counts as wrong)';
  return (
    `on photos from the web (${where}), gender is right for ${right}${missed}, against ` +
    `${percent(testAccuracy)} in the test part, and ${percent(report.adult_women_read_as_men)} of adult women ` +
    `are read as men`
  );
}

/** The lines, or none for a card without a test part. */
export function modelSummary(card: ModelCard): SummaryLine[] {
  const test = card.metrics.test;
  if (!test) return [];
  const all = test.overall;
  const bands = Object.values(test.by_age_band)
    .filter((m) => m.n >= MIN_GROUP)
    .map((m) => m.interval_coverage);

  const real = card.real_photos?.out_of_fold;
  const onReal = real
    ? [
        real.fairface
          ? wild(real.fairface, 'FairFace test part', all.gender_accuracy)
          : wild(real.wild_photos, 'FairFace dev', all.gender_accuracy),
        ...(real.everyday_photos
          ? [
              `on everyday photos (All-Age-Faces), ages are ${years(real.everyday_photos.overall.mae)} off on ` +
                `average and the range holds ${percent(real.everyday_photos.overall.coverage)} of the time`,
            ]
          : []),
      ].join('; ')
    : 'it has not been measured on real photos, only on cropped UTKFace faces';
  const weakestGroups = (): string => {
    if (!Object.keys(test.by_age_band).length || !Object.keys(test.by_race).length) return ''; // a card without groups
    const [ageBand, ageBandM] = weakest(test.by_age_band, (m) => m.age_mae);
    const [genderBand, genderBandM] = weakest(test.by_age_band, (m) => -m.gender_accuracy);
    const [raceAge, raceAgeM] = weakest(test.by_race, (m) => m.age_mae);
    const [raceGender, raceGenderM] = weakest(test.by_race, (m) => -m.gender_accuracy);
    return (
      ` In the test part the weakest groups are ages ${ageBand} for age (${years(ageBandM.age_mae)} off) and ages ` +
      `${genderBand} for gender (${percent(genderBandM.gender_accuracy)} right); by race, ${raceAge} for age ` +
      `(${years(raceAgeM.age_mae)} off) and ${raceGender} for gender (${percent(raceGenderM.gender_accuracy)} right).`
    );
  };

  return [
    {
      id: 'age',
      lead: 'How close the age is:',
      text:
        `on average the estimate is ${years(all.age_mae)} off the true age, and ${percent(all.age_cs5)} of ` +
        `estimates are within 5 years (the test part: ${count(all.n)} UTKFace faces the model never trained on).`,
    },
    {
      id: 'range',
      lead: `How often the ${percent(card.calibration.coverage)} range holds:`,
      text:
        `it held the true age for ${percent(all.interval_coverage)} of those faces` +
        (bands.length ? ` (${percent(Math.min(...bands))} to ${percent(Math.max(...bands))} across age bands)` : '') +
        `; it is ${Math.round(all.interval_width)} years wide on average.`,
    },
    {
      id: 'weaker',
      lead: 'Where it is weaker:',
      text: `${onReal}.${weakestGroups()}`,
    },
  ];
}
