import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyRow, type PredictionRow } from '../lib/predictionRow';
import { PredictionOutput } from './predictionOutput';

const hostile: PredictionRow[] = [
  { ...emptyRow('photos/=HYPERLINK("http://x","y").jpg', null), face: 1, left: -3.5, top: 0, age: 30, status: 'face' },
  emptyRow('=1+1.jpg', null),
  emptyRow('-2.jpg', '+cannot read: broken'),
  emptyRow("'=quoted.jpg", null),
];

describe('PredictionOutput', () => {
  it('writes CSV a spreadsheet cannot run (names and errors escaped, numbers as they are), and resumes from it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'agegender-')), 'out.csv');
    const { output } = PredictionOutput.open(path, 'csv', false);
    for (const row of hostile) output.write([row]);
    output.close();
    const written = readFileSync(path, 'utf8');
    expect(written.split('\n').slice(1)).toEqual([
      `"photos/=HYPERLINK(""http://x"",""y"").jpg",1,-3.5,0,,,,30,,,,,,,face`,
      `'=1+1.jpg,,,,,,,,,,,,,,no face found`,
      `'-2.jpg,,,,,,,,,,,,,'+cannot read: broken,error`,
      `''=quoted.jpg,,,,,,,,,,,,,,no face found`,
      '',
    ]);
    // --resume reads the names back as they are on disk (the last image is redone), and writes them as before
    const resumed = PredictionOutput.open(path, 'csv', true);
    expect([...resumed.done]).toEqual(hostile.slice(0, -1).map((r) => r.path));
    resumed.output.write([hostile.at(-1)!]);
    resumed.output.close();
    expect(readFileSync(path, 'utf8')).toBe(written);
  });

  it('writes JSON Lines unchanged', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'agegender-')), 'out.jsonl');
    const { output } = PredictionOutput.open(path, 'jsonl', false);
    output.write(hostile);
    output.close();
    expect(readFileSync(path, 'utf8')).toBe(hostile.map((r) => `${JSON.stringify(r)}\n`).join(''));
  });
});
