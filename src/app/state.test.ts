import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../lib/predictionRow';
import { type FaceResult, results, resultsCsv } from './state';

const face = {
  box: { left: -3, top: 2, width: 40, height: 41 },
  score: 0.9,
  age: 30,
  ageLow: 24,
  ageHigh: 40,
  gender: 'male',
  femaleProbability: 0.1,
  oldScan: false,
} as FaceResult;

describe('resultsCsv (the page\'s "Download the results as CSV")', () => {
  it('escapes photo names and errors a spreadsheet would run as formulas, and keeps the numbers numbers', async () => {
    results.set([
      { id: 0, name: '=HYPERLINK("http://x","y").jpg', url: '', faces: [face] },
      { id: 1, name: '=1+1.jpg', url: '', error: '@not an image' },
      { id: 2, name: 'plain.jpg', url: '', faces: [] },
    ]);
    const csv = await resultsCsv();
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual([...CSV_COLUMNS]);
    expect(rows.map((r) => [r.path, r.error])).toEqual([
      [`'=HYPERLINK("http://x","y").jpg`, ''],
      [`'=1+1.jpg`, `'@not an image`],
      ['plain.jpg', ''],
    ]);
    expect(rows[0].left).toBe('-3');
    results.set([]);
  });
});
