import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import type { FaceAnalysis } from './analyze';
import {
  CSV_COLUMNS,
  csvCells,
  emptyRow,
  escapeFormula,
  fromCsvCells,
  photoRows,
  unescapeFormula,
} from './predictionRow';

const face: FaceAnalysis = {
  box: { left: -3.25, top: -0.5, width: 40, height: 41 },
  keypoints: {} as FaceAnalysis['keypoints'],
  score: 0.91,
  age: 31.04,
  ageLow: 24,
  ageHigh: 40,
  gender: 'female',
  femaleProbability: 0.8,
  oldScan: false,
};

describe('escapeFormula', () => {
  it('puts a quote before a cell a spreadsheet would run as a formula', () => {
    expect(escapeFormula('=HYPERLINK("http://x","y").jpg')).toBe(`'=HYPERLINK("http://x","y").jpg`);
    for (const name of ['=1+1.jpg', '+1.jpg', '-1.jpg', '@SUM(A1).jpg', '\t=1.jpg', '\r=1.jpg'])
      expect(escapeFormula(name)).toBe(`'${name}`);
    for (const name of ['photo.jpg', 'a=1.jpg', "it's.jpg", "'quoted'.jpg", '/home/me/-1.jpg', ''])
      expect(escapeFormula(name)).toBe(name);
  });

  it('is undone exactly, even for a name that starts with a quote', () => {
    for (const name of ['=1+1.jpg', 'photo.jpg', "'=1.jpg", "''-1.jpg", "'photo.jpg", "'", '-'])
      expect(unescapeFormula(escapeFormula(name))).toBe(name);
  });
});

describe('csvCells', () => {
  it("escapes the paths and errors from outside, and leaves the numbers (a box left of the photo's edge) numbers", () => {
    const rows = [
      ...photoRows('=HYPERLINK("http://x","y").jpg', [face]),
      emptyRow('=1+1.jpg', '-not an image'),
      emptyRow('@dogs.jpg', null),
    ];
    const csv = stringify(rows.map(csvCells), { header: true, columns: [...CSV_COLUMNS] });
    const lines = csv.split('\n');
    expect(lines[1]).toBe(`"'=HYPERLINK(""http://x"",""y"").jpg",1,-3.3,-0.5,40,41,0.91,31,24,40,female,0.8,0,,face`);
    expect(lines[2]).toBe(`'=1+1.jpg,,,,,,,,,,,,,'-not an image,error`);
    // a photo without a face says so, not a blank row
    expect(lines[3]).toBe(`'@dogs.jpg,,,,,,,,,,,,,,no face found`);
    // no cell a spreadsheet would run: every one starts with something else, or is a number
    for (const cell of (parse(csv) as string[][]).flat())
      expect(/^[=+@\t\r]/.test(cell) || (cell.startsWith('-') && Number.isNaN(Number(cell)))).toBe(false);
    // and read back, the rows as they were (the CLI's --resume)
    const back = (parse(csv, { columns: true }) as Record<string, string>[]).map((r) =>
      fromCsvCells(Object.fromEntries(CSV_COLUMNS.map((c) => [c, r[c] === '' ? null : r[c]])) as (typeof rows)[0]),
    );
    expect(back.map((r) => [r.path, r.error])).toEqual(rows.map((r) => [r.path, r.error]));
  });
});
