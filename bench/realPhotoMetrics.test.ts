import { describe, expect, it } from 'vitest';
import { ageGroupRange, commonPhotosReport, everydayReport, scanReport, wildReport } from './realPhotoMetrics';

const est = (age: number, ageLow: number, ageHigh: number, femaleProbability = 0.5, oldScan = false) => ({
  age,
  ageLow,
  ageHigh,
  femaleProbability,
  oldScan,
});

describe('scanReport', () => {
  it('scores found faces per age band and counts photos without one against faceFound only', () => {
    const r = scanReport([
      { age: 2, estimate: est(5, 3, 8, 0.5, true) }, // 3 too old, outside
      { age: 2, estimate: est(1, 0, 3) }, // 1 too young, inside
      { age: 30, estimate: est(36, 25, 40, 0.5, true) }, // 6 too old, inside
      { age: 30, estimate: null },
    ]);
    expect(r.faceFound).toBe(0.75);
    expect(r.overall).toMatchObject({ n: 3, bias: 8 / 3, coverage: 2 / 3, readAsScan: 2 / 3 });
    expect(r.overall.mae).toBeCloseTo(10 / 3);
    expect(r.byAgeBand['0-3']).toMatchObject({ n: 2, mae: 2, bias: 1, coverage: 0.5, width: 4 });
    expect(Object.keys(r.byAgeBand)).toEqual(['0-3', '29-40']);
  });

  it('gives no coverage, width or scan share for a model without intervals or scan flag (face-api.js)', () => {
    const plain = (age: number) => ({ ...est(age, NaN, NaN), oldScan: null });
    const r = scanReport([
      { age: 2, estimate: plain(5) },
      { age: 30, estimate: plain(30) },
    ]);
    expect(r.overall).toMatchObject({ n: 2, mae: 1.5, bias: 1.5 });
    expect(r.overall.coverage).toBeNaN();
    expect(r.overall.width).toBeNaN();
    expect(r.overall.readAsScan).toBeNaN();
  });
});

describe('wildReport', () => {
  it('reports gender by gender and adulthood, the sure calls of the given band and women read as men', () => {
    const r = wildReport(
      [
        { ageGroup: '30-39', gender: 'female', estimate: est(35, 30, 40, 0.2) }, // read as a man, sure
        { ageGroup: '20-29', gender: 'female', estimate: est(41, 30, 50, 0.6) }, // right, uncertain
        { ageGroup: '3-9', gender: 'male', estimate: est(5, 3, 8, 0.1) }, // right, sure
        { ageGroup: '70+', gender: 'male', estimate: est(75, 60, 90, 0.45) }, // right, uncertain
        { ageGroup: '70+', gender: 'male', estimate: null },
      ],
      [0.3, 0.7],
    );
    expect(r.faceFound).toBe(0.8);
    expect(r.gender.all).toEqual({ n: 4, accuracy: 0.75 });
    expect(r.gender['female adults']).toEqual({ n: 2, accuracy: 0.5 });
    expect(r.gender['male children']).toEqual({ n: 1, accuracy: 1 });
    expect(r.sureShare).toBe(0.5);
    expect(r.sureAccuracy).toBe(0.5);
    expect(r.adultWomenReadAsMen).toBe(0.5);
    expect(r.ageGroupAccuracy).toBe(0.75); // 41 is not in 20-29
    expect(r.genderWithMisses).toBe(0.6); // 3 right of 5 photos: the one with no face counts wrong
    expect(r.readAsScan).toBe(0);
  });

  it('gives no sure calls for a model without an uncertain band', () => {
    const r = wildReport([{ ageGroup: '30-39', gender: 'female', estimate: est(35, 30, 40, 0.9) }], null);
    expect(r.gender.all).toEqual({ n: 1, accuracy: 1 });
    expect(r.sureShare).toBeNaN();
    expect(r.sureAccuracy).toBeNaN();
  });

  it('reports gender per ethnic group with misses counted wrong', () => {
    const r = wildReport(
      [
        { ageGroup: '30-39', gender: 'female', race: 'Black', estimate: est(35, 30, 40, 0.2, true) },
        { ageGroup: '30-39', gender: 'female', race: 'Black', estimate: est(35, 30, 40, 0.9) },
        { ageGroup: '30-39', gender: 'male', race: 'East Asian', estimate: null },
      ],
      [0.3, 0.7],
    );
    expect(r.genderByRace).toEqual({ Black: { n: 2, accuracy: 0.5 }, 'East Asian': { n: 1, accuracy: 0 } });
    expect(r.readAsScan).toBe(0.5);
  });

  it('reads FairFace age groups and refuses anything else', () => {
    expect(ageGroupRange('0-2')).toEqual([0, 2]);
    expect(ageGroupRange('70+')).toEqual([70, Infinity]);
    expect(() => ageGroupRange('adult')).toThrow(/not a FairFace age group/);
  });
});

describe('everydayReport', () => {
  it('scores exact ages per band and gender for adults and children, misses counted wrong', () => {
    const r = everydayReport([
      { age: 5, gender: 'female', estimate: est(7, 3, 9, 0.8) }, // right
      { age: 45, gender: 'male', estimate: est(40, 35, 50, 0.7) }, // wrong
      { age: 45, gender: 'male', estimate: est(44, 40, 50, 0.1) }, // right
      { age: 60, gender: 'female', estimate: null },
    ]);
    expect(r.faceFound).toBe(0.75);
    expect(r.overall).toMatchObject({ n: 3, coverage: 1 });
    expect(r.overall.bias).toBeCloseTo(-4 / 3); // +2, -5, -1
    expect(r.gender).toEqual({
      all: { n: 3, accuracy: 2 / 3 },
      adults: { n: 2, accuracy: 0.5 },
      children: { n: 1, accuracy: 1 },
    });
    expect(r.genderWithMisses).toBe(0.5);
  });
});

describe('commonPhotosReport', () => {
  const row = (set: string, file: string, labels: Partial<Record<string, string>>, estAge: string, female = '0.9') => ({
    set,
    file,
    age: '',
    age_group: '',
    gender: '',
    ...labels,
    est_age: estAge,
    female_probability: estAge === '' ? '' : female,
  });
  const kindOf = (set: string) => (({ scans: 'scans', wild: 'wild', everyday: 'everyday' }) as const)[set]!;
  const ours = [
    row('wild', 'a.jpg', { age_group: '20-29', gender: 'female' }, '29.4'), // right, in group (rounds to 29)
    row('wild', 'b.jpg', { age_group: '3-9', gender: 'male' }, '12', '0.2'), // only ours found it
    row('wild', 'c.jpg', { age_group: '70+', gender: 'male' }, '81', '0.1'), // right, in group
    row('everyday', 'a.jpg', { age: '40', gender: 'male' }, ''), // ours missed it; same name as in 'wild'
    row('everyday', 'e.jpg', { age: '30', gender: 'female' }, '33'),
    row('scans', 'f.jpg', { age: '10' }, '12'),
  ];
  const theirs = [
    row('wild', 'a.jpg', { age_group: '20-29', gender: 'female' }, '29.6', '0.3'), // wrong, out of group (30)
    row('wild', 'b.jpg', { age_group: '3-9', gender: 'male' }, ''),
    row('wild', 'c.jpg', { age_group: '70+', gender: 'male' }, '66', '0.2'),
    row('everyday', 'a.jpg', { age: '40', gender: 'male' }, '44', '0.1'),
    row('everyday', 'e.jpg', { age: '30', gender: 'female' }, '29'),
    row('scans', 'f.jpg', { age: '10' }, '7'),
  ].reverse(); // joined by set and file, not by order

  it('scores both models on the photos where both found a face, each set in its own terms', () => {
    expect(commonPhotosReport(ours, theirs, kindOf)).toEqual({
      wild: { photos: 2, of: 3, genderAccuracy: [1, 0.5], ageGroupAccuracy: [1, 0] },
      everyday: { photos: 1, of: 2, genderAccuracy: [1, 1], ageMae: [3, 1] },
      scans: { photos: 1, of: 1, ageMae: [2, 3] },
    });
  });

  it('refuses files of different photos or labels, and estimates that are not numbers', () => {
    expect(() => commonPhotosReport(ours, [...theirs, row('scans', 'g.jpg', { age: '5' }, '6')], kindOf)).toThrow(
      'the same photos',
    );
    const relabelled = theirs.map((r) => (r.file === 'e.jpg' ? { ...r, age: '31' } : r));
    expect(() => commonPhotosReport(ours, relabelled, kindOf)).toThrow('same labels');
    const broken = theirs.map((r) => (r.file === 'f.jpg' ? { ...r, est_age: 'NaN' } : r));
    expect(() => commonPhotosReport(ours, broken, kindOf)).toThrow('scans/f.jpg: an estimate that is not a number');
  });
});
